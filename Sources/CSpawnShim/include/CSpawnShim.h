#ifndef VERDANT_CSPAWNSHIM_H
#define VERDANT_CSPAWNSHIM_H

#include <spawn.h>

/// Adds to `actions` the closing, in the child, of every descriptor from `lowest` up, so a
/// spawned job inherits nothing the parent holds (run lock, database, log, other jobs' pipes)
/// without the parent touching its own descriptors. Wraps glibc's
/// posix_spawn_file_actions_addclosefrom_np (glibc >= 2.34), which Swift's Glibc module does
/// not import; returns 0 or an errno value (ENOSYS where the C library lacks it).
int verdant_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowest);

/// pipe2(fds, O_CLOEXEC): both ends close-on-exec from the start, so a child spawned by
/// another thread in between cannot inherit them. Returns 0, or -1 with errno set.
int verdant_pipe_cloexec(int fds[2]);

#endif
