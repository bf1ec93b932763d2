# flags.mk: the compiler flags every part of the course is built with.
CC ?= cc
CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Wshadow -Wformat=2
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
