/* main.c: lesson 12's test binary — every test of test_tar.c, test_unpack.c, test_image.c. */
#include "hako_test.h"
#include "images_test.h"

HAKO_TEST_MAIN(HAKO_TEST(test_tar_octal), HAKO_TEST(test_tar_entries),
               HAKO_TEST(test_tar_skips_unread), HAKO_TEST(test_tar_checksum),
               HAKO_TEST(test_tar_prefix), HAKO_TEST(test_tar_pax),
               HAKO_TEST(test_tar_gnu_longname), HAKO_TEST(test_tar_truncated),
               HAKO_TEST(test_unpack_tree), HAKO_TEST(test_unpack_missing_folders),
               HAKO_TEST(test_unpack_replaces), HAKO_TEST(test_unpack_dotdot),
               HAKO_TEST(test_unpack_absolute), HAKO_TEST(test_unpack_symlink_escape),
               HAKO_TEST(test_unpack_hardlink_escape), HAKO_TEST(test_unpack_whiteouts),
               HAKO_TEST(test_unpack_devices_rootless), HAKO_TEST(test_unpack_devices),
               HAKO_TEST(test_blob_open_verified), HAKO_TEST(test_blob_digest_mismatch),
               HAKO_TEST(test_blob_size_mismatch), HAKO_TEST(test_blob_digest_name),
               HAKO_TEST(test_blob_fifo), HAKO_TEST(test_image_read_course),
               HAKO_TEST(test_image_import_twice), HAKO_TEST(test_image_bad_blob_refused),
               HAKO_TEST(test_image_hostile_layer), HAKO_TEST(test_image_matches_umoci),
               HAKO_TEST(test_image_run));
