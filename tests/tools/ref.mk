# ref.mk: builds the reference library, every lesson's solution in one archive.
#
#   make -f tests/tools/ref.mk OUT=build/ref [SAN=1] [WERROR=1]
#
# A lesson is graded by linking the student's files for that lesson with this archive: the
# linker takes from the archive only what the student's objects do not define.
OUT ?= build/ref
include tests/tools/flags.mk

REF_C := $(wildcard solutions/[0-9][0-9]-*/*.c)
REF_O := $(patsubst solutions/%.c,$(OUT)/obj/%.o,$(REF_C))

all: $(OUT)/libhako-ref.a

$(OUT)/obj/%.o: solutions/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(dir $<) -Ilessons/common $(patsubst %,-I%,$(wildcard lessons/[0-9][0-9]-*)) $(CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/libhako-ref.a: $(REF_O)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)
.PHONY: all
.DELETE_ON_ERROR:
