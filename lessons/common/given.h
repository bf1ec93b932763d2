/* given.h: GIVEN, the mark on a helper a lesson file gives you to call. */
#ifndef GIVEN_H
#define GIVEN_H

/*
 * `static GIVEN int write_proc(...)`: a static function or table the lesson file already has,
 * written for the code you add to call. Until your code calls it, nothing in the file uses it
 * and the compiler would warn "defined but not used"; GIVEN (GCC's `unused` attribute) says
 * that is expected. It changes nothing else: once your code calls the helper, it is used.
 */
#define GIVEN __attribute__((unused))

#endif
