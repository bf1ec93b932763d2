# flags.mk: the compiler flags every part of the course is built with. snprintf truncation
# warnings are off: snprintf is how this course bounds strings, and truncation is handled.
# Two warnings are errors, as GCC 14 makes them: a pointer of the wrong type, and a call to a
# function with no declaration (a missing #include) compile to wrong code, not to a warning.
CC ?= cc
CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2 \
	  -Wno-format-truncation -Werror=incompatible-pointer-types -Werror=implicit-function-declaration
CPPFLAGS := -D_GNU_SOURCE
LDFLAGS :=
LDLIBS :=
ifneq ($(WERROR),)
CFLAGS += -Werror
endif
ifneq ($(SAN),)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

# Objects depend on $(FLAGS_STAMP), which changes only when the flags do: switching WERROR or
# SAN rebuilds everything instead of reusing objects built with other flags.
FLAGS_STAMP = $(OUT)/flags.txt
$(shell mkdir -p $(OUT) && { echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' | cmp -s - $(OUT)/flags.txt || echo '$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' >$(OUT)/flags.txt; })

# Libraries the lessons use, one line each: every program links all of them, since hako is
# built from every lesson.
LDLIBS += -lcap -lseccomp
# lessons 10 and 12: JSON (seccomp profiles, image manifests); 12: sha256 and gzip
LDLIBS += -ljansson -lcrypto -lz
