# program.mk: builds the whole hako and hakovm from every lesson folder in SRC.
#
#   make -f tests/tools/program.mk SRC=lessons OUT=build/student     your own programs
#   make -f tests/tools/program.mk SRC=solutions OUT=build/ref-hako  the reference programs
#
# Unlike grading (lesson.mk), nothing is borrowed from the reference: a lesson you have not
# done yet answers "not implemented yet (lesson NN)". In a handout, where solutions/ is
# absent, SRC=solutions links the prebuilt reference library instead.
SRC ?= lessons
OUT ?= build/student
include tests/tools/flags.mk

# Each file sees its own folder (-I$(dir $<) below) and lessons/common, never another lesson's.
CPPFLAGS += -Ilessons/common
MAIN_C := $(wildcard lessons/common/hako.c lessons/common/hakovm.c)
COMMON_C := $(filter-out $(MAIN_C),$(wildcard lessons/common/*.c))
LESSON_C := $(wildcard $(SRC)/[0-9][0-9]-*/*.c)
PREBUILT := $(if $(wildcard $(SRC)),,lessons/common/prebuilt/libhako-ref.a)

OBJ := $(patsubst %.c,$(OUT)/obj/%.o,$(COMMON_C) $(LESSON_C))
PROGS := $(patsubst lessons/common/%.c,$(OUT)/%,$(MAIN_C))

all: $(PROGS)

$(OUT)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(dir $<) $(CFLAGS) -MMD -MP -c $< -o $@

$(OUT)/%: $(OUT)/obj/lessons/common/%.o $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PREBUILT) $(LDLIBS)

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)
.PHONY: all
.DELETE_ON_ERROR:
