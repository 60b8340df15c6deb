// The system librdkafka (Debian librdkafka-dev), as seen from Swift.
// Only Sources/Kafka imports this module.
#ifndef JOBSTATUSD_CRDKAFKA_SHIM_H
#define JOBSTATUSD_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

// Swift cannot call C variadic functions such as rd_kafka_producev(); this
// fixed-arity wrapper covers what jobstatusd produces. On success librdkafka
// owns `headers` (which may be NULL); on failure the caller still owns them.
static inline rd_kafka_resp_err_t jsd_produce(rd_kafka_t *rk, const char *topic, int32_t partition,
                                              const void *key, size_t key_size, const void *value,
                                              size_t value_size, rd_kafka_headers_t *headers,
                                              int64_t timestamp, void *opaque) {
    /* timestamp 0: librdkafka stamps the record with its own clock. */
    if (headers != NULL) {
        return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                                 RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                 RD_KAFKA_V_KEY((void *)key, key_size),
                                 RD_KAFKA_V_VALUE((void *)value, value_size),
                                 RD_KAFKA_V_TIMESTAMP(timestamp), RD_KAFKA_V_HEADERS(headers),
                                 RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY((void *)key, key_size),
                             RD_KAFKA_V_VALUE((void *)value, value_size), RD_KAFKA_V_TIMESTAMP(timestamp),
                             RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}

#endif
