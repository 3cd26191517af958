package io.dplora.layers;

import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.io.Serializable;
import java.util.Objects;

/**
 * The privacy state a DP layer's configuration carries, so that it travels with the weights through
 * {@code ModelSerializer}, {@code clone()}, transfer learning and adapter files: the run id of the privacy ledger that
 * accounts for the network's DP steps, and how many logical steps that ledger held when the record was written
 * (updated at every released step).
 *
 * <p>Privacy meaning: a network that has taken DP steps has spent privacy on its training data. A new private run on
 * it must continue that run's ledger (same id, same step count) instead of starting at epsilon 0; a layer that
 * carries a record computes training gradients only under the DP step attached to that network. Immutable.
 */
public final class PrivacyRecord implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String runId;
    private final long stepsTaken;

    /**
     * @param runId      the ledger's run id
     * @param stepsTaken logical steps in the ledger (&ge; 0)
     */
    @JsonCreator
    public PrivacyRecord(@JsonProperty("runId") String runId, @JsonProperty("stepsTaken") long stepsTaken) {
        if (runId == null || runId.isBlank() || stepsTaken < 0) {
            throw new IllegalArgumentException("a privacy record needs a run id and a step count >= 0, got " + runId
                    + ", " + stepsTaken);
        }
        this.runId = runId;
        this.stepsTaken = stepsTaken;
    }

    /** @return the run id of the ledger that accounts for this network's DP steps */
    public String getRunId() {
        return runId;
    }

    /** @return the logical DP steps the network has taken in that run */
    public long getStepsTaken() {
        return stepsTaken;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PrivacyRecord r && r.stepsTaken == stepsTaken && r.runId.equals(runId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(runId, stepsTaken);
    }

    @Override
    public String toString() {
        return "run " + runId + ", " + stepsTaken + " DP steps";
    }
}
