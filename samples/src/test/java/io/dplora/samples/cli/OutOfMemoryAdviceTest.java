package io.dplora.samples.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 10 item 11: a too-small heap is explained (how to raise DPLORA_JAVA_OPTS), not a raw OutOfMemoryError. */
class OutOfMemoryAdviceTest {

    @Test
    void theAdviceNamesTheHeapAndHowToRaiseIt() {
        String m = DploraCli.outOfMemoryAdvice(512L << 20);
        assertTrue(m.contains("512 MB") && m.contains("DPLORA_JAVA_OPTS=-Xmx") && m.contains("--physical-batch"), m);
    }
}
