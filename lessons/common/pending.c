/* pending.c: placeholders for lessons that are not in the course yet; each answers -ENOSYS.
 *
 * When a lesson lands, its block here is deleted in the same commit (its files in
 * solutions/ and lessons/ define the real functions). */
#include "hako.h"

#include <errno.h>

/* Every lesson declared in hako.h is in the course now: no placeholders are left. */
