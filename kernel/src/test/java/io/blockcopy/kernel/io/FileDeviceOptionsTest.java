package io.blockcopy.kernel.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blockcopy.kernel.io.FileDeviceOptions.Backend;
import io.blockcopy.kernel.io.FileDeviceOptions.DirectMode;
import org.junit.jupiter.api.Test;

/** {@link FileDeviceOptions}: defaults, withers and validation. */
class FileDeviceOptionsTest
{
    @Test
    void defaultsAreReadWriteAutoDirectFourThreads256InFlight()
    {
        assertThat(FileDeviceOptions.DEFAULT).isEqualTo(new FileDeviceOptions(false, DirectMode.AUTO, 4, 256));
    }

    @Test
    void withersReplaceOneValueEach()
    {
        final FileDeviceOptions options = FileDeviceOptions.DEFAULT
            .withReadOnly(true).withDirect(DirectMode.OFF).withIoThreads(2).withMaxInFlight(8);
        assertThat(options).isEqualTo(new FileDeviceOptions(true, DirectMode.OFF, 2, 8));
    }

    @Test
    void theBackendDefaultsToAutoAndHasItsWither()
    {
        assertThat(FileDeviceOptions.DEFAULT.backend()).isEqualTo(Backend.AUTO);
        final FileDeviceOptions options = FileDeviceOptions.DEFAULT.withBackend(Backend.FILECHANNEL).withMaxInFlight(8);
        assertThat(options).isEqualTo(new FileDeviceOptions(false, DirectMode.AUTO, 4, 8, Backend.FILECHANNEL));
        assertThatThrownBy(() -> FileDeviceOptions.DEFAULT.withBackend(null))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsMissingModeAndNonPositiveCounts()
    {
        assertThatThrownBy(() -> FileDeviceOptions.DEFAULT.withDirect(null))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FileDeviceOptions.DEFAULT.withIoThreads(0))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FileDeviceOptions.DEFAULT.withMaxInFlight(0))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
