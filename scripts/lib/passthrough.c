/* The physical limit scripts/bench-e2e compares jobstatusd with: plain librdkafka
 * on the same broker, in the same run.
 *
 *   passthrough copy BOOTSTRAP IN OUT COUNT   consume IN from the beginning and produce
 *       every record's key and value to OUT (idempotent producer, acks=all, librdkafka's
 *       default batching, murmur2_random like jobstatusd) until COUNT records are
 *       delivered; prints the seconds taken.
 *   passthrough read BOOTSTRAP TOPIC          read every partition of TOPIC read_committed
 *       from the beginning to its end (partition EOF); prints records and seconds.
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void set(rd_kafka_conf_t *conf, const char *name, const char *value) {
    char error[512];
    if (rd_kafka_conf_set(conf, name, value, error, sizeof error) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "passthrough: %s=%s: %s\n", name, value, error);
        exit(2);
    }
}

static rd_kafka_t *consumer(const char *bootstrap, int eof) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char group[64];
    snprintf(group, sizeof group, "passthrough-%ld-%d", (long)time(NULL), rand());
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "group.id", group);
    set(conf, "enable.auto.commit", "false");
    set(conf, "isolation.level", "read_committed");
    set(conf, "enable.partition.eof", eof ? "true" : "false");
    char error[512];
    rd_kafka_t *handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    if (!handle) { fprintf(stderr, "passthrough: %s\n", error); exit(2); }
    rd_kafka_poll_set_consumer(handle);
    return handle;
}

static void assign_all(rd_kafka_t *handle, const char *topic, int *partitions) {
    const struct rd_kafka_metadata *metadata;
    rd_kafka_topic_t *named = rd_kafka_topic_new(handle, topic, NULL);
    if (rd_kafka_metadata(handle, 0, named, &metadata, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "passthrough: no metadata for %s\n", topic);
        exit(2);
    }
    *partitions = metadata->topics[0].partition_cnt;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(*partitions);
    for (int p = 0; p < *partitions; p++)
        rd_kafka_topic_partition_list_add(list, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(handle, list);
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_metadata_destroy(metadata);
    rd_kafka_topic_destroy(named);
}

static long delivered = 0;
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk; (void)opaque;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) delivered++;
}

static int copy(const char *bootstrap, const char *in, const char *out, long count) {
    rd_kafka_t *reader = consumer(bootstrap, 0);
    int partitions;
    assign_all(reader, in, &partitions);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "enable.idempotence", "true");
    set(conf, "partitioner", "murmur2_random");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char error[512];
    rd_kafka_t *writer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (!writer) { fprintf(stderr, "passthrough: %s\n", error); return 2; }
    double started = now();
    double progressed = started;
    long consumed = 0;
    while (consumed < count) {
        if (now() - progressed > 60) {
            fprintf(stderr, "passthrough: no record for 60 s after %ld of %ld\n", consumed, count);
            return 1;
        }
        rd_kafka_message_t *message = rd_kafka_consumer_poll(reader, 100);
        if (message) {
            if (!message->err) {
                consumed++;
                progressed = now();
                while (rd_kafka_producev(writer, RD_KAFKA_V_TOPIC(out),
                           RD_KAFKA_V_KEY(message->key, message->key_len),
                           RD_KAFKA_V_VALUE(message->payload, message->len),
                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                    rd_kafka_poll(writer, 10);
            }
            rd_kafka_message_destroy(message);
        }
        rd_kafka_poll(writer, 0);
    }
    rd_kafka_flush(writer, 120000);
    double seconds = now() - started;
    printf("%ld %ld %.3f\n", consumed, delivered, seconds);
    rd_kafka_destroy(writer);
    rd_kafka_consumer_close(reader);
    rd_kafka_destroy(reader);
    return delivered == count ? 0 : 1;
}

static int read_to_end(const char *bootstrap, const char *topic) {
    rd_kafka_t *reader = consumer(bootstrap, 1);
    int partitions;
    assign_all(reader, topic, &partitions);
    double started = now();
    long records = 0;
    int ended = 0;
    char *done = calloc((size_t)partitions, 1);
    while (ended < partitions) {
        rd_kafka_message_t *message = rd_kafka_consumer_poll(reader, 100);
        if (!message) continue;
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (!done[message->partition]) { done[message->partition] = 1; ended++; }
        } else if (!message->err) {
            records++;
        }
        rd_kafka_message_destroy(message);
    }
    free(done);
    printf("%ld %.3f\n", records, now() - started);
    rd_kafka_consumer_close(reader);
    rd_kafka_destroy(reader);
    return 0;
}

int main(int argc, char **argv) {
    srand((unsigned)time(NULL));
    if (argc == 6 && strcmp(argv[1], "copy") == 0) return copy(argv[2], argv[3], argv[4], atol(argv[5]));
    if (argc == 4 && strcmp(argv[1], "read") == 0) return read_to_end(argv[2], argv[3]);
    fprintf(stderr, "usage: passthrough copy BOOTSTRAP IN OUT COUNT | passthrough read BOOTSTRAP TOPIC\n");
    return 2;
}
