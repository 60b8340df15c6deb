#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* rd_kafka_producev is variadic; the baseline produces through this wrapper. */
static inline rd_kafka_resp_err_t baseline_produce(rd_kafka_t *rk, const char *topic, const void *key, size_t key_size,
                                                   const void *value, size_t value_size) {
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY((void *)key, key_size), RD_KAFKA_V_VALUE((void *)value, value_size),
                             RD_KAFKA_V_END);
}
