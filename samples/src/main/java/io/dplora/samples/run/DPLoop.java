package io.dplora.samples.run;

import java.io.IOException;
import java.nio.file.Path;

/** A DP-SGD training loop (single machine or Spark): what a run's result reports about its privacy. */
interface DPLoop extends TrainingLoop {

    /** @return the noise multiplier sigma of the run. */
    double noiseMultiplier();

    /** @return the Poisson sampling rate q = E/N. */
    double samplingRate();

    /** @return examples dropped for a non-finite gradient norm (a private-data diagnostic). */
    long droppedExamples();

    /** Writes the run's privacy ledger (every accounted step) as JSON. */
    void writeLedger(Path file) throws IOException;
}
