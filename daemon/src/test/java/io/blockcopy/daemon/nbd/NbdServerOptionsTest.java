package io.blockcopy.daemon.nbd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every limit is checked with a message that names it. */
class NbdServerOptionsTest
{
    private static final NbdServerOptions DEFAULT = NbdServerOptions.DEFAULT;

    @Test
    void defaultsAreSane()
    {
        assertThat(DEFAULT).isEqualTo(new NbdServerOptions(16, 16, 1 << 20, Duration.ofSeconds(10), Duration.ZERO,
            Duration.ofSeconds(5)));
    }

    @Test
    void outOfRangeValuesAreRefusedByName()
    {
        assertThatThrownBy(() -> DEFAULT.withMaxClients(0)).hasMessageContaining("max clients");
        assertThatThrownBy(() -> DEFAULT.withQueueDepth(0)).hasMessageContaining("queue depth");
        assertThatThrownBy(() -> DEFAULT.withQueueDepth(1025)).hasMessageContaining("queue depth");
        assertThatThrownBy(() -> DEFAULT.withMaxRequestBytes(4095)).hasMessageContaining("max request size");
        assertThatThrownBy(() -> DEFAULT.withMaxRequestBytes(6000)).hasMessageContaining("multiple of 4096");
        assertThatThrownBy(() -> DEFAULT.withMaxRequestBytes(64 << 20)).hasMessageContaining("max request size");
        assertThatThrownBy(() -> DEFAULT.withHandshakeTimeout(Duration.ZERO)).hasMessageContaining("handshake");
        assertThatThrownBy(() -> DEFAULT.withIdleTimeout(Duration.ofSeconds(-1))).hasMessageContaining("idle");
        assertThatThrownBy(() -> DEFAULT.withDrainTimeout(Duration.ofSeconds(-1))).hasMessageContaining("drain");
        assertThatThrownBy(() -> DEFAULT.withIdleTimeout(null)).isInstanceOf(NullPointerException.class);
        assertThat(DEFAULT.withMaxRequestBytes(32 << 20).withQueueDepth(1024).maxRequestBytes()).isEqualTo(32 << 20);
    }
}
