package io.dplora.samples.run;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars on standard error (standard output stays for results): the library's colour style on a terminal,
 * plain ASCII redrawn every few seconds when the output is not a terminal (logs, CI).
 */
public final class Progress {

    private static volatile boolean enabled = true;

    private Progress() {
    }

    /** Turns bars off (e.g. in tests); summary lines are printed regardless. */
    public static void setEnabled(boolean on) {
        enabled = on;
    }

    /**
     * @param task what is being done, e.g. {@code epoch 2/5}
     * @param max  the number of units of work
     * @return a started bar; close it when done (try-with-resources)
     */
    public static ProgressBar bar(String task, long max) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max);
        if (!enabled) {
            return b.setConsumer(new ConsoleProgressBarConsumer(new java.io.PrintStream(
                    java.io.OutputStream.nullOutputStream()))).build();
        }
        if (System.console() == null) {
            b.setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(5_000)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err, 100));
        } else {
            b.setConsumer(new ConsoleProgressBarConsumer(System.err));
        }
        return b.build();
    }
}
