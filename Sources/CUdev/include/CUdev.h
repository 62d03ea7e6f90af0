// libudev, loaded at run time (dlopen of libudev.so.1) rather than linked: Debian ships no
// static libudev, and the static `ezio` of the boot image runs where neither libudev nor
// udevd exists. Where the library cannot be loaded, udev_new() returns NULL and discovery
// reads sysfs instead.
#include <libudev.h>
