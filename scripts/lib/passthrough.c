/* The physical limit scripts/bench-e2e compares jobstatusd with: plain librdkafka
 * on the same broker, in the same run.
 *
 *   passthrough copy BOOTSTRAP IN OUT COUNT   consume IN from the beginning and produce
 *       every record's key and value to OUT (idempotent producer, acks=all, librdkafka's
 *       default batching, murmur2_random like jobstatusd) until COUNT records are
 *       delivered; prints the seconds taken.
 *   passthrough read BOOTSTRAP TOPIC          read every partition of TOPIC read_committed
 *       from the beginning to its end (partition EOF); prints records and seconds.
 *   passthrough send BOOTSTRAP TOPIC RATE FILE   produce the records of FILE (each a 4-byte
 *       little-endian key length, the key, a 4-byte value length, the value) at RATE records
 *       a second, the ones due in the same millisecond together (idempotent, linger.ms=1,
 *       murmur2_random); prints "partition offset seconds" per delivered record, seconds on
 *       CLOCK_MONOTONIC at the send (the clock Python's time.monotonic() reads). The latency
 *       load in C: a Python producer at 20k records/s takes half a core from the daemon.
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
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
    /* Every jobstatusd consumer's default (Sources/Kafka/KafkaConfiguration+Consumer.swift): with
       librdkafka's 100,000, 2.0.2 pauses a partition's fetches for up to a second whenever the
       local queue holds that many records, and this loop, faster than the fetches, waited on it
       in some runs and not in others (140k..390k events/s on the same input). */
    set(conf, "queued.min.messages", "10000000");
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

/* An idempotent producer partitioning like jobstatusd; linger.ms as given (NULL: the default). */
static rd_kafka_t *producer(const char *bootstrap, const char *linger_ms,
                            void (*on_delivery)(rd_kafka_t *, const rd_kafka_message_t *, void *)) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", bootstrap);
    set(conf, "enable.idempotence", "true");
    set(conf, "partitioner", "murmur2_random");
    if (linger_ms) set(conf, "linger.ms", linger_ms);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    char error[512];
    rd_kafka_t *handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (!handle) { fprintf(stderr, "passthrough: %s\n", error); exit(2); }
    return handle;
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
    rd_kafka_t *writer = producer(bootstrap, NULL, on_delivery);
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

struct sent_record { int32_t partition; int64_t offset; double at; };
static struct sent_record *sent_records = NULL;
static long sent_count = 0;

static void on_sent(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk; (void)opaque;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    struct sent_record *record = &sent_records[sent_count++];
    record->partition = message->partition;
    record->offset = message->offset;
    record->at = *(double *)message->_private;
}

static int read_u32(FILE *file, uint32_t *value) {
    unsigned char bytes[4];
    if (fread(bytes, 1, 4, file) != 4) return 0;
    *value = bytes[0] | bytes[1] << 8 | bytes[2] << 16 | (uint32_t)bytes[3] << 24;
    return 1;
}

static int send_at_rate(const char *bootstrap, const char *topic, double rate, const char *path) {
    FILE *file = fopen(path, "rb");
    if (!file) { perror(path); return 2; }
    long capacity = 1024, count = 0;
    char **keys = malloc(sizeof(char *) * capacity), **values = malloc(sizeof(char *) * capacity);
    uint32_t *key_lengths = malloc(sizeof(uint32_t) * capacity), *value_lengths = malloc(sizeof(uint32_t) * capacity);
    uint32_t key_length, value_length;
    while (read_u32(file, &key_length)) {
        if (count == capacity) {
            capacity *= 2;
            keys = realloc(keys, sizeof(char *) * capacity);
            values = realloc(values, sizeof(char *) * capacity);
            key_lengths = realloc(key_lengths, sizeof(uint32_t) * capacity);
            value_lengths = realloc(value_lengths, sizeof(uint32_t) * capacity);
        }
        keys[count] = malloc(key_length + 1);
        if (fread(keys[count], 1, key_length, file) != key_length || !read_u32(file, &value_length)) break;
        values[count] = malloc(value_length + 1);
        if (fread(values[count], 1, value_length, file) != value_length) break;
        key_lengths[count] = key_length;
        value_lengths[count] = value_length;
        count++;
    }
    fclose(file);
    sent_records = calloc((size_t)count + 1, sizeof *sent_records);
    double *sent_at = calloc((size_t)count + 1, sizeof(double));
    rd_kafka_t *writer = producer(bootstrap, "1", on_sent);
    double started = now();
    long index = 0;
    while (index < count) {
        long due = (long)((now() - started) * rate) + 1;
        if (due > count) due = count;
        for (; index < due; index++) {
            sent_at[index] = now();
            while (rd_kafka_producev(writer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(keys[index], key_lengths[index]),
                       RD_KAFKA_V_VALUE(values[index], value_lengths[index]), RD_KAFKA_V_OPAQUE(&sent_at[index]),
                       RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                rd_kafka_poll(writer, 1);
        }
        rd_kafka_poll(writer, 1);
    }
    rd_kafka_flush(writer, 60000);
    for (long i = 0; i < sent_count; i++)
        printf("%d %lld %.6f\n", sent_records[i].partition, (long long)sent_records[i].offset, sent_records[i].at);
    rd_kafka_destroy(writer);
    return sent_count == count ? 0 : 1;
}

int main(int argc, char **argv) {
    srand((unsigned)time(NULL));
    if (argc == 6 && strcmp(argv[1], "copy") == 0) return copy(argv[2], argv[3], argv[4], atol(argv[5]));
    if (argc == 4 && strcmp(argv[1], "read") == 0) return read_to_end(argv[2], argv[3]);
    if (argc == 6 && strcmp(argv[1], "send") == 0) return send_at_rate(argv[2], argv[3], atof(argv[4]), argv[5]);
    fprintf(stderr, "usage: passthrough copy BOOTSTRAP IN OUT COUNT | passthrough read BOOTSTRAP TOPIC"
                    " | passthrough send BOOTSTRAP TOPIC RATE FILE\n");
    return 2;
}
