/*
 * ThreadSanitizer does not intercept glibc's C11 thrd_create(), which the
 * system librdkafka uses for its threads; TSan then crashes on the first
 * access from such a thread. scripts/sanitize LD_PRELOADs this shim under
 * TSan only: it creates C11 threads through pthread_create(), which TSan
 * intercepts (on glibc, thrd_t is a pthread_t, so thrd_join and friends work).
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

struct start {
    thrd_start_t func;
    void *arg;
};

static void *trampoline(void *opaque) {
    struct start start = *(struct start *)opaque;
    free(opaque);
    return (void *)(intptr_t)start.func(start.arg);
}

int thrd_create(thrd_t *thread, thrd_start_t func, void *arg) {
    struct start *start = malloc(sizeof *start);
    if (start == NULL) return thrd_nomem;
    start->func = func;
    start->arg = arg;
    int result = pthread_create((pthread_t *)thread, NULL, trampoline, start);
    if (result != 0) {
        free(start);
        return result == EAGAIN ? thrd_nomem : thrd_error;
    }
    return thrd_success;
}

/* Joins and detaches must go through pthread too, or TSan reports the threads as leaked. */
int thrd_join(thrd_t thread, int *result) {
    void *value = NULL;
    if (pthread_join((pthread_t)thread, &value) != 0) return thrd_error;
    if (result != NULL) *result = (int)(intptr_t)value;
    return thrd_success;
}

int thrd_detach(thrd_t thread) {
    return pthread_detach((pthread_t)thread) == 0 ? thrd_success : thrd_error;
}
