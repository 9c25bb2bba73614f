#ifndef VERDANT_CNCURSESSHIM_H
#define VERDANT_CNCURSESSHIM_H

// What Swift cannot import from ncursesw: its macros (attributes, COLOR_PAIR, the key codes
// built from them) and its variadic printing functions. Everything else the terminal layer
// needs goes through these few functions, so the Swift side never includes curses.h itself.

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Attribute bits, for verdant_attr_set.
enum {
    VERDANT_ATTR_BOLD = 1,
    VERDANT_ATTR_DIM = 2,
    VERDANT_ATTR_REVERSE = 4,
    VERDANT_ATTR_UNDERLINE = 8,
};

/// Key codes that are ncurses macros, and what verdant_read_key returns for none or a resize.
enum {
    VERDANT_KEY_NONE = -1,
    VERDANT_KEY_RESIZE = -2,
};

/// Starts curses on `out`/`in` (newterm), or on the controlling terminal when both are NULL.
/// `term` may be NULL ($TERM). Returns 0, or -1 when the terminal type is unknown.
int verdant_curses_start(const char *term, FILE *out, FILE *in);
void verdant_curses_end(void);
/// Whether curses is started and not ended (the crash handler asks before restoring).
int verdant_curses_active(void);
/// The colours the terminal supports (0 when it has none or start_color failed).
int verdant_colors(void);
int verdant_color_pairs(void);
int verdant_init_pair(int pair, int fg, int bg);
int verdant_rows(void);
int verdant_cols(void);
/// Sets the attributes and colour pair for the next verdant_put.
void verdant_attr_set(int attrs, int pair);
/// Writes UTF-8 text at (y, x) with the current attributes.
void verdant_put(int y, int x, const char *utf8);
/// Sends the changes since the last call to the terminal (refresh).
void verdant_flush(void);
/// Makes the next verdant_flush repaint everything (after a resume or a corrupted screen).
void verdant_touch(void);
/// Milliseconds to wait for a key (negative: forever).
void verdant_set_timeout(int ms);
/// The next key: a character (Unicode scalar), a curses key code (>= 0x100 | flag), NONE or RESIZE.
/// Function keys are returned as 0x1000000 + their curses code.
int verdant_read_key(void);
/// Curses key codes (KEY_UP etc.) under their names.
int verdant_keycode(const char *name);
/// Resizes curses' idea of the screen (for measurements without a real terminal).
int verdant_resize(int rows, int cols);
/// ncurses' own SIGTSTP/SIGCONT behaviour, made explicit for callers that replaced handlers.
void verdant_suspend(void);
void verdant_resume(void);

#ifdef __cplusplus
}
#endif

#endif
