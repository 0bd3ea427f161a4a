package io.blockcopy.daemon.qmp;

/**
 * One QMP command's handler: reads its arguments (ending with {@link QmpArgs#done()}), does the
 * work and returns the {@code return} value, or throws a {@link QmpError}. Runs under the
 * dispatcher's lock, so handlers never run concurrently.
 */
@FunctionalInterface
interface QmpCommand
{
    /** @return the value of the reply's {@code return} member ({@code Map.of()} for none). */
    Object run(QmpArgs args);
}
