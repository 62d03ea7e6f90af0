// <sys/types.h> first: <liburing.h> alone redefines fd_set when Glibc is also imported.
#include <sys/types.h>
#include <liburing.h>
