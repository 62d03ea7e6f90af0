#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include "CUdev.h"

static void *library;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) { library = dlopen("libudev.so.1", RTLD_NOW | RTLD_LOCAL); }

static void *resolve(const char *name) {
    pthread_once(&once, load);
    return library ? dlsym(library, name) : NULL;
}

// Each function forwards to the library's, or answers "nothing" when it is missing.
#define FORWARD(ret, name, params, args, fallback) \
    ret name params { \
        static ret (*real) params; \
        if (!real) real = (ret (*) params)resolve(#name); \
        return real ? real args : fallback; \
    }

FORWARD(struct udev *, udev_new, (void), (), NULL)
FORWARD(struct udev *, udev_unref, (struct udev *u), (u), NULL)
FORWARD(struct udev_enumerate *, udev_enumerate_new, (struct udev *u), (u), NULL)
FORWARD(struct udev_enumerate *, udev_enumerate_unref, (struct udev_enumerate *e), (e), NULL)
FORWARD(int, udev_enumerate_add_match_subsystem, (struct udev_enumerate *e, const char *s), (e, s), -1)
FORWARD(int, udev_enumerate_scan_devices, (struct udev_enumerate *e), (e), -1)
FORWARD(struct udev_list_entry *, udev_enumerate_get_list_entry, (struct udev_enumerate *e), (e), NULL)
FORWARD(struct udev_list_entry *, udev_list_entry_get_next, (struct udev_list_entry *l), (l), NULL)
FORWARD(const char *, udev_list_entry_get_name, (struct udev_list_entry *l), (l), NULL)
FORWARD(const char *, udev_list_entry_get_value, (struct udev_list_entry *l), (l), NULL)
FORWARD(struct udev_device *, udev_device_new_from_subsystem_sysname, (struct udev *u, const char *s, const char *n), (u, s, n), NULL)
FORWARD(struct udev_device *, udev_device_unref, (struct udev_device *d), (d), NULL)
FORWARD(const char *, udev_device_get_action, (struct udev_device *d), (d), NULL)
FORWARD(const char *, udev_device_get_devnode, (struct udev_device *d), (d), NULL)
FORWARD(const char *, udev_device_get_sysname, (struct udev_device *d), (d), NULL)
FORWARD(const char *, udev_device_get_sysattr_value, (struct udev_device *d, const char *a), (d, a), NULL)
FORWARD(struct udev_list_entry *, udev_device_get_properties_list_entry, (struct udev_device *d), (d), NULL)
FORWARD(struct udev_monitor *, udev_monitor_new_from_netlink, (struct udev *u, const char *n), (u, n), NULL)
FORWARD(struct udev_monitor *, udev_monitor_unref, (struct udev_monitor *m), (m), NULL)
FORWARD(int, udev_monitor_filter_add_match_subsystem_devtype, (struct udev_monitor *m, const char *s, const char *t), (m, s, t), -1)
FORWARD(int, udev_monitor_enable_receiving, (struct udev_monitor *m), (m), -1)
FORWARD(int, udev_monitor_get_fd, (struct udev_monitor *m), (m), -1)
FORWARD(struct udev_device *, udev_monitor_receive_device, (struct udev_monitor *m), (m), NULL)
