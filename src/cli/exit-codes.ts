// Exit codes of every command, in one place, so that supervisors and scripts can tell them apart.

export const EXIT_OK = 0;
/** Anything else that went wrong (a port in use, an I/O error, an unhealthy server for healthcheck). */
export const EXIT_FAILURE = 1;
/** The command line or the environment is invalid. */
export const EXIT_USAGE = 2;
/**
 * The data directory holds a damaged, missing or foreign store: restarting cannot help, restoring a
 * backup does (README, "Operations"). A supervisor should not restart on it (systemd:
 * RestartPreventExitStatus=3).
 */
export const EXIT_STORE_DAMAGED = 3;
