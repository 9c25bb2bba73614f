#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <ncursesw/curses.h>
#include <string.h>
#include <signal.h>
#include "CNcursesShim.h"

static SCREEN *screen = NULL;
static int active = 0;

int verdant_curses_start(const char *term, FILE *out, FILE *in) {
    if (out == NULL && in == NULL) {
        screen = newterm(term, stdout, stdin);
    } else {
        screen = newterm(term, out, in);
    }
    if (screen == NULL) return -1;
    set_term(screen);
    active = 1;
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    if (has_colors()) {
        start_color();
        use_default_colors();
    }
    return 0;
}

void verdant_curses_end(void) {
    if (!active) return;
    active = 0;
    endwin();
}

int verdant_curses_active(void) { return active; }

int verdant_colors(void) { return has_colors() ? COLORS : 0; }
int verdant_color_pairs(void) { return has_colors() ? COLOR_PAIRS : 0; }
int verdant_init_pair(int pair, int fg, int bg) { return init_pair((short)pair, (short)fg, (short)bg); }
int verdant_rows(void) { return LINES; }
int verdant_cols(void) { return COLS; }

void verdant_attr_set(int attrs, int pair) {
    attr_t a = A_NORMAL;
    if (attrs & VERDANT_ATTR_BOLD) a |= A_BOLD;
    if (attrs & VERDANT_ATTR_DIM) a |= A_DIM;
    if (attrs & VERDANT_ATTR_REVERSE) a |= A_REVERSE;
    if (attrs & VERDANT_ATTR_UNDERLINE) a |= A_UNDERLINE;
    attr_set(a, (short)pair, NULL);
}

void verdant_put(int y, int x, const char *utf8) {
    // mvaddstr decodes the multibyte text with the locale (ncursesw); the last cell of the
    // screen makes it return ERR after writing, which is harmless here.
    mvaddstr(y, x, utf8);
}

void verdant_flush(void) { refresh(); }
void verdant_touch(void) { clearok(curscr, TRUE); }
void verdant_set_timeout(int ms) { timeout(ms); }

int verdant_read_key(void) {
    wint_t ch = 0;
    int kind = get_wch(&ch);
    if (kind == ERR) return VERDANT_KEY_NONE;
    if (kind == KEY_CODE_YES) {
        if (ch == KEY_RESIZE) return VERDANT_KEY_RESIZE;
        return 0x1000000 + (int)ch;
    }
    return (int)ch;
}

int verdant_keycode(const char *name) {
    if (strcmp(name, "up") == 0) return KEY_UP;
    if (strcmp(name, "down") == 0) return KEY_DOWN;
    if (strcmp(name, "left") == 0) return KEY_LEFT;
    if (strcmp(name, "right") == 0) return KEY_RIGHT;
    if (strcmp(name, "ppage") == 0) return KEY_PPAGE;
    if (strcmp(name, "npage") == 0) return KEY_NPAGE;
    if (strcmp(name, "home") == 0) return KEY_HOME;
    if (strcmp(name, "end") == 0) return KEY_END;
    if (strcmp(name, "btab") == 0) return KEY_BTAB;
    if (strcmp(name, "backspace") == 0) return KEY_BACKSPACE;
    if (strcmp(name, "dc") == 0) return KEY_DC;
    if (strcmp(name, "enter") == 0) return KEY_ENTER;
    if (strcmp(name, "f0") == 0) return KEY_F0;
    return -1;
}

int verdant_resize(int rows, int cols) { return resizeterm(rows, cols); }

void verdant_suspend(void) { def_prog_mode(); endwin(); }
void verdant_resume(void) { reset_prog_mode(); clearok(curscr, TRUE); refresh(); }
