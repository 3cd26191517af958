package io.dplora.layers;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;
import java.util.Objects;

/**
 * Common configuration of the DP-capable output layers ({@link DPOutputLayer}, {@link DPRnnOutputLayer}): DL4J's
 * output layer (z = x W + b, prediction act(z), loss L(labels, prediction) with optional label masks) whose
 * implementation supplies exact per-example gradients of W and b.
 *
 * <p>With {@code trainable(false)} the layer is a frozen head: its parameters get a NoOp updater, no regularisation
 * and a gradient slice that stays zero, while the error signal still flows to the layers below. (DL4J cannot wrap an
 * output layer in its frozen wrappers, and a NoOp updater alone does not freeze a DL4J layer.)
 */
public abstract class BaseDPOutputLayer extends BaseOutputLayer implements PerExampleComputation, PrivacyRecordHolder {

    /** The network's privacy state (null until it is made private); not part of equals/hashCode. */
    private PrivacyRecord privacyRecord;

    @Override
    public PrivacyRecord getPrivacyRecord() {
        return privacyRecord;
    }

    @Override
    public void setPrivacyRecord(PrivacyRecord privacyRecord) {
        this.privacyRecord = privacyRecord;
    }

    protected boolean trainable = true;

    protected BaseDPOutputLayer() {
        // for JSON
    }

    protected BaseDPOutputLayer(Builder<?> builder) {
        super(builder);
        this.trainable = builder.trainable;
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return trainable ? super.getUpdaterByParam(paramName) : new NoOp();
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return trainable ? super.getRegularizationByParam(paramName) : null;
    }

    @Override
    public ParamInitializer initializer() {
        return DefaultParamInitializer.getInstance();
    }

    /** @return whether W and b are trained (true) or frozen (false). */
    public boolean isTrainable() {
        return trainable;
    }

    public void setTrainable(boolean trainable) {
        this.trainable = trainable;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BaseDPOutputLayer) || !super.equals(o)) {
            return false;
        }
        BaseDPOutputLayer other = (BaseDPOutputLayer) o;
        return other.canEqual(this) && trainable == other.trainable;
    }

    @Override
    protected boolean canEqual(Object other) {
        return other instanceof BaseDPOutputLayer;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), trainable);
    }

    static void requireNOut(String layerType, long nOut) {
        if (nOut <= 0) {
            throw new IllegalArgumentException(layerType + ": nOut must be set to a positive value, got " + nOut);
        }
    }

    /** Builder options shared by the DP output layers. */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<T extends Builder<T>> extends BaseOutputLayer.Builder<T> {
        protected boolean trainable = true;

        protected Builder() {
        }

        protected Builder(LossFunctions.LossFunction lossFunction) {
            super(lossFunction);
        }

        protected Builder(ILossFunction lossFunction) {
            super(lossFunction);
        }

        /** @param trainable false for a frozen head (parameters never move; gradients still flow below) */
        public T trainable(boolean trainable) {
            this.trainable = trainable;
            return (T) this;
        }
    }
}
