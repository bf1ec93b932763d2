# lesson.mk: builds one lesson's test binary and programs.
#
#   make -f tests/tools/lesson.mk LESSON=01-process SRC=lessons OUT=build/lessons/01-process
#
# The lesson's own files come from $(SRC)/$(LESSON) (SRC_DIR may also be given directly, as the
# grader's fixtures do). Every other lesson's code comes from the reference library, so the
# score of a lesson depends only on the files of that lesson.
#
# Optional: SAN=1 (AddressSanitizer + UndefinedBehaviorSanitizer), WERROR=1, REF_DIR=folder of
# the reference archives (tests/tools/ref.mk; in a handout lessons/common/prebuilt).
# A lesson may add its own programs (guests, helpers) in tests/$(LESSON)/tests.mk by appending
# to EXTRA_PROGS and giving rules that build them into $(OUT). TESTS_DIR (default
# tests/$(LESSON)) is where the lesson's tests are; the grader's own fixtures use another.

LESSON ?= $(error LESSON is not set)
SRC ?= lessons
SRC_DIR ?= $(SRC)/$(LESSON)
OUT ?= build/$(SRC)/$(LESSON)
TESTS_DIR ?= tests/$(LESSON)
REF_DIR ?= $(if $(wildcard solutions),build/ref$(if $(SAN),-san),lessons/common/prebuilt)
# Every lesson's reference archive but this lesson's own (see ref.mk), as one group so that the
# order of the archives does not matter.
REF_A := $(filter-out $(REF_DIR)/$(LESSON).a,$(wildcard $(REF_DIR)/[0-9][0-9]-*.a))
REF_LIB := -Wl,--start-group $(REF_A) -Wl,--end-group

include tests/tools/flags.mk

# Headers: this lesson's folder, the shared ones (lessons/common), the harness's. Never another
# lesson's folder: what lessons share is declared in lessons/common.
CPPFLAGS += -I$(SRC_DIR) -Ilessons/common -Itests/lib

LESSON_C := $(wildcard $(SRC_DIR)/*.c)
MAIN_C := $(wildcard lessons/common/hako.c lessons/common/hakovm.c)
COMMON_C := $(filter-out $(MAIN_C),$(wildcard lessons/common/*.c))
TEST_C := $(wildcard $(TESTS_DIR)/*.c)

LESSON_O := $(patsubst $(SRC_DIR)/%.c,$(OUT)/obj/lesson/%.o,$(LESSON_C))
# The shared code's and the harness's objects do not depend on the lesson: COMMON_OUT (default
# OUT) may be one folder for every lesson built with the same flags (grade.sh passes one and
# holds its lock), so they are compiled once, not once per lesson.
COMMON_OUT ?= $(OUT)
COMMON_CPPFLAGS := $(filter-out -I$(SRC_DIR),$(CPPFLAGS))
COMMON_STAMP := $(COMMON_OUT)/flags.txt
$(shell mkdir -p $(COMMON_OUT) && { echo '$(CC) $(COMMON_CPPFLAGS) $(CFLAGS) $(LDFLAGS)' | cmp -s - $(COMMON_STAMP) || echo '$(CC) $(COMMON_CPPFLAGS) $(CFLAGS) $(LDFLAGS)' >$(COMMON_STAMP); })
COMMON_O := $(patsubst lessons/common/%.c,$(COMMON_OUT)/obj/common/%.o,$(COMMON_C))
MAIN_O := $(patsubst lessons/common/%.c,$(COMMON_OUT)/obj/main/%.o,$(MAIN_C))
# The tests' objects by file name (TESTS_DIR may be anywhere), and the harness's.
TEST_O := $(patsubst $(TESTS_DIR)/%.c,$(OUT)/obj/tests/%.o,$(TEST_C)) $(COMMON_OUT)/obj/harness/hako_test.o

PROGS := $(OUT)/tests $(patsubst lessons/common/%.c,$(OUT)/%,$(MAIN_C))
EXTRA_PROGS :=

# The first rule is the default goal, so it comes before tests.mk's rules; its prerequisites
# are expanded later (secondary expansion) to include what tests.mk adds to EXTRA_PROGS.
.SECONDEXPANSION:
all: $$(PROGS) $$(EXTRA_PROGS)

-include $(TESTS_DIR)/tests.mk

# The lesson's own files: their warnings are also kept next to the object (NAME.warn), so the
# grader shows them on every run, not only on the run that compiled the file.
$(OUT)/obj/lesson/%.o: $(SRC_DIR)/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@ 2>$(@:.o=.warn); s=$$?; cat $(@:.o=.warn) >&2; exit $$s

$(COMMON_OUT)/obj/common/%.o: lessons/common/%.c $(COMMON_STAMP)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(COMMON_OUT)/obj/main/%.o: lessons/common/%.c $(COMMON_STAMP)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# Tests may use helpers the lesson's code does not (and vice versa): no -Werror on
# unused-function in the test harness.
$(OUT)/obj/tests/%.o: $(TESTS_DIR)/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(COMMON_OUT)/obj/harness/%.o: tests/lib/%.c $(COMMON_STAMP)
	@mkdir -p $(@D)
	$(CC) $(COMMON_CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/tests: $(TEST_O) $(LESSON_O) $(COMMON_O) $(REF_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TEST_O) $(LESSON_O) $(COMMON_O) $(REF_LIB) -lcmocka $(LDLIBS)

$(OUT)/%: $(COMMON_OUT)/obj/main/%.o $(LESSON_O) $(COMMON_O) $(REF_A)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LESSON_O) $(COMMON_O) $(REF_LIB) $(LDLIBS)

-include $(shell find $(OUT)/obj $(if $(filter-out $(OUT),$(COMMON_OUT)),$(COMMON_OUT)/obj) -name '*.d' 2>/dev/null)

.PHONY: all
.DELETE_ON_ERROR:
