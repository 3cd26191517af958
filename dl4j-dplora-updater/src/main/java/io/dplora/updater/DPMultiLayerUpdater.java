package io.dplora.updater;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link MultiLayerUpdater} installed by {@link DPUpdater#attach(MultiLayerNetwork, DPConfig, PrivacyBudget,
 * SamplingChannel, DPRandom)}; the MultiLayerNetwork twin of {@link DPComputationGraphUpdater}.
 */
public final class DPMultiLayerUpdater extends MultiLayerUpdater implements ReleasedStepApplier {

    private static final long serialVersionUID = 1L;

    private final transient DPUpdater dp;

    DPMultiLayerUpdater(MultiLayerNetwork network, INDArray updaterState, DPUpdater dp) {
        super(network, updaterState);
        this.dp = dp;
    }

    @Override
    public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize,
                                    LayerWorkspaceMgr workspaceMgr) {
        DPUpdaterHook.update(dp, gradient, getFlattenedGradientsView(), epoch, workspaceMgr,
                (it, ep, ws) -> super.update(gradient, it, ep, 1, ws));
    }

    /** Refused: a copy would either lose the DP step or share its budget and noise stream. */
    @Override
    public Updater clone() {
        throw new UnsupportedOperationException("a DP updater cannot be cloned; attach DP to the copy with "
                + "DPLoRA.makePrivate");
    }

    /** Runs the configured updater on the already released gradient view (see {@link ReleasedStepApplier}). */
    @Override
    public synchronized void applyReleasedStep(int iteration, int epoch) {
        super.update(new DefaultGradient(getFlattenedGradientsView()), iteration, epoch, 1,
                LayerWorkspaceMgr.noWorkspaces());
    }

    /** @return the DP step this updater drives. */
    public DPUpdater dpUpdater() {
        return dp;
    }
}
