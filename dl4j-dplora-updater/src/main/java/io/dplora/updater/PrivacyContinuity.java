package io.dplora.updater;

import io.dplora.accounting.PrivacyLedger;
import io.dplora.layers.PerExampleGradientLayer;
import io.dplora.layers.PrivacyRecord;
import io.dplora.layers.PrivacyRecordHolder;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a network's privacy state with its weights (issue: a DP-trained network restored with ModelSerializer, or
 * cloned, could start a fresh ledger and report epsilon 2.00 for a true 2.74). Every DP layer's configuration carries a
 * {@link PrivacyRecord} (run id of the ledger, steps taken), which survives ModelSerializer, {@code clone()} and
 * transfer learning because it is part of the JSON configuration:
 * <ul>
 *   <li>attaching a DP step ({@link #check}): a network whose DP layers record steps must be given exactly that run's
 *       ledger (same run id, same step count), which is what {@link DPLoRA#resume} does with a {@link DPCheckpoint};
 *       anything else is refused, naming the fix. A network that was made private but took no step can start
 *       again;</li>
 *   <li>{@link #stamp} writes the ledger's run id and step count into every DP layer, at attach and after every
 *       released step;</li>
 *   <li>{@link DPCheckpoint#save} refuses a ledger that is not the network's (an empty ledger for a trained
 *       network would resume at epsilon 0).</li>
 * </ul>
 */
final class PrivacyContinuity {

    private PrivacyContinuity() {
    }

    /**
     * @return the configurations of every DP layer of the network (wrappers unwrapped)
     * @throws IllegalStateException if a DP layer's configuration cannot carry the privacy record
     */
    static List<PrivacyRecordHolder> holders(Model net) {
        List<PrivacyRecordHolder> out = new ArrayList<>();
        for (Layer l : NetworkLayers.allLayersUnwrapped(net)) {
            if (!(l instanceof PerExampleGradientLayer)) {
                continue;
            }
            Object conf = l.conf() == null ? null : l.conf().getLayer();
            if (!(conf instanceof PrivacyRecordHolder)) {
                throw new IllegalStateException("DP layer '" + NetworkLayers.nameOf(l) + "' ("
                        + (conf == null ? l.getClass().getName() : conf.getClass().getName()) + ") does not carry the "
                        + "privacy record (" + PrivacyRecordHolder.class.getName() + "), so the privacy spent on "
                        + "this network could not travel with its weights. Fix: implement PrivacyRecordHolder on the "
                        + "layer configuration (the library's DP layers do)");
            }
            out.add((PrivacyRecordHolder) conf);
        }
        return out;
    }

    /**
     * @return the steps the network's DP layers record (0 when never trained privately)
     * @throws IllegalStateException if the layers record different runs or step counts
     */
    static PrivacyRecord recordOf(List<PrivacyRecordHolder> holders) {
        PrivacyRecord seen = null;
        for (PrivacyRecordHolder h : holders) {
            PrivacyRecord r = h.getPrivacyRecord();
            if (r == null || r.getStepsTaken() == 0) {
                continue;
            }
            if (seen != null && !seen.equals(r)) {
                throw new IllegalStateException("the network's DP layers record different private runs (" + seen
                        + " and " + r + "): the privacy spent on it is ambiguous, so it cannot be trained privately");
            }
            seen = r;
        }
        return seen;
    }

    /**
     * Refuses to attach a DP step with a ledger other than the one of the DP steps the network has taken.
     *
     * @throws IllegalStateException naming the run, the steps and the fix
     */
    static void check(List<PrivacyRecordHolder> holders, PrivacyLedger ledger) {
        PrivacyRecord r = recordOf(holders);
        if (r == null) {
            return;
        }
        if (!r.getRunId().equals(ledger.runId()) || r.getStepsTaken() != ledger.totalSteps()) {
            throw new IllegalStateException("this network has taken " + r.getStepsTaken() + " DP steps (" + r + ", "
                    + "recorded in its DP layers), but the ledger given is not that run's (run " + ledger.runId() + ", "
                    + ledger.totalSteps() + " steps): its epsilon would leave out the privacy already spent. Fix: "
                    + "continue the run with DPLoRA.resume(DPCheckpoint.restoreComputationGraph(file) or "
                    + "restoreMultiLayerNetwork(file), data, config) on the checkpoint saved with that run's ledger "
                    + "(PrivateTraining.save / DPCheckpoint.save)");
        }
    }

    /** Writes (run id, steps) into every DP layer's configuration. */
    static void stamp(List<PrivacyRecordHolder> holders, String runId, long steps) {
        PrivacyRecord r = new PrivacyRecord(runId, steps);
        for (PrivacyRecordHolder h : holders) {
            h.setPrivacyRecord(r);
        }
    }
}
