package io.blockcopy.kernel;

import org.junit.jupiter.api.AfterEach;

/**
 * A kernel per test, with the shared plumbing of {@link KernelFixture}, closed after the test.
 */
abstract class KernelTestBase
{
    /** The test's kernel plumbing. */
    protected final KernelFixture fixture = new KernelFixture();
    /** The test's kernel. */
    protected final Blockcopy kernel = fixture.kernel;

    @AfterEach
    void closeKernel()
    {
        fixture.close();
    }
}
