# ref.mk: builds the reference code: one archive per lesson, and all of them in one.
#
#   make -f tests/tools/ref.mk OUT=build/ref [SAN=1] [WERROR=1]
#
# OUT/NN-slug.a holds lesson NN's solution. A lesson is graded by linking the student's files
# for that lesson with the archives of every OTHER lesson, never its own: a student file that
# lacks a function fails to link instead of borrowing the reference. OUT/libhako-ref.a holds
# every lesson; it builds the reference programs of a handout (`make doctor`).
OUT ?= build/ref
include tests/tools/flags.mk

REF_C := $(wildcard solutions/[0-9][0-9]-*/*.c)
REF_O := $(patsubst solutions/%.c,$(OUT)/obj/%.o,$(REF_C))

LESSON_DIRS := $(wildcard solutions/[0-9][0-9]-*)
LESSON_A := $(patsubst solutions/%,$(OUT)/%.a,$(LESSON_DIRS))

all: $(OUT)/libhako-ref.a $(LESSON_A)

$(OUT)/obj/%.o: solutions/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(dir $<) -Ilessons/common $(CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/libhako-ref.a: $(REF_O)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# One lesson's archive: the objects of its own folder.
define lesson_archive
$(OUT)/$(1).a: $(filter $(OUT)/obj/$(1)/%,$(REF_O))
	rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach d,$(notdir $(LESSON_DIRS)),$(eval $(call lesson_archive,$(d))))

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)
.PHONY: all
.DELETE_ON_ERROR:
