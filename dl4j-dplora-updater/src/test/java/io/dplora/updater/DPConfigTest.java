package io.dplora.updater;

import io.dplora.accounting.AccountantType;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DPConfigTest {

    private static DPConfig.Builder valid() {
        return DPConfig.builder().targetEpsilon(8).delta(1e-5).maxGradNorm(1.0).expectedBatchSize(64)
                .datasetSize(6400).epochs(2);
    }

    private static void assertRejected(Supplier<DPConfig.Builder> b, String setting) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.get().build());
        assertTrue(e.getMessage().contains(setting), "message should name " + setting + ": " + e.getMessage());
    }

    @Test
    void validConfigurationKeepsEverySetting() {
        DPConfig c = valid().accountant(AccountantType.PLD).clipping(ClippingMode.PER_LAYER)
                .perLayerClipWeight("out", 2.0).maxPhysicalBatchSize(16).seed(7).reportEvery(5).build();
        assertEquals(8.0, c.getTargetEpsilon());
        assertEquals(8.0, c.getEpsilonLimit());
        assertFalse(c.hasNoiseMultiplier());
        assertEquals(1e-5, c.getDelta());
        assertEquals(1.0, c.getMaxGradNorm());
        assertEquals(64, c.getExpectedBatchSize());
        assertEquals(6400, c.getDatasetSize());
        assertEquals(AccountantType.PLD, c.getAccountant());
        assertEquals(ClippingMode.PER_LAYER, c.getClipping());
        assertEquals(2.0, c.getPerLayerClipWeights().get("out"));
        assertEquals(16, c.getMaxPhysicalBatchSize());
        assertEquals(7L, c.getSeed());
        assertEquals(5, c.getReportEvery());
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    void jsonRoundTripAndValidation() {
        DPConfig c = valid().accountant(AccountantType.PLD).clipping(ClippingMode.PER_LAYER)
                .perLayerClipWeight("out", 2.0).maxPhysicalBatchSize(16).seed(7).reportEvery(5).build();
        assertEquals(c, DPConfig.fromJson(c.toJson()));
        DPConfig s = sigmaOnlySteps().steps(12).epsilonBudget(2.5).secureRandom(true).build();
        assertEquals(s, DPConfig.fromJson(s.toJson()));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> DPConfig.fromJson("{\"delta\":1e-5,\"learningRate\":1}"));
        assertTrue(unknown.getMessage().contains("learningRate"));
        IllegalArgumentException invalid = assertThrows(IllegalArgumentException.class,
                () -> DPConfig.fromJson(c.toJson().replace("\"maxGradNorm\":1.0", "\"maxGradNorm\":-1.0")));
        assertTrue(invalid.getMessage().contains("maxGradNorm"), invalid.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DPConfig.fromJson("[1,2"));
    }

    @Test
    void defaults() {
        DPConfig c = valid().build();
        assertEquals(AccountantType.PLD, c.getAccountant());
        assertEquals(ClippingMode.FLAT, c.getClipping());
        assertEquals(Integer.MAX_VALUE, c.getMaxPhysicalBatchSize());
        assertTrue(c.isSecureRandom(), "unseeded means SecureRandom, the default");
        assertFalse(c.hasSeed());
        assertFalse(c.isAllowBudgetIncrease());
        assertEquals(0.1, c.getMaxDroppedFraction());
        assertFalse(valid().seed(3).build().isSecureRandom(), "a seed is an explicit opt-in");
    }

    @Test
    void epochsBecomeCeilOfEpochsTimesNOverE() {
        DPConfig c = valid().build();
        assertEquals(200, c.plannedSteps(6400));          // 2 * 6400 / 64
        assertEquals(100, c.stepsPerEpoch(6400));
        assertEquals(64.0 / 6400, c.samplingRate(6400), 0.0);
        DPConfig odd = valid().epochs(1.5).expectedBatchSize(7).datasetSize(100).build();
        assertEquals((long) Math.ceil(1.5 * 100 / 7.0), odd.plannedSteps(100));   // 22
        assertEquals(15, odd.stepsPerEpoch(100));
        DPConfig exact = valid().epochs(3).expectedBatchSize(10).datasetSize(100).build();
        assertEquals(30, exact.plannedSteps(100));
        DPConfig steps = sigmaOnlySteps().steps(37).build();
        assertEquals(37, steps.plannedSteps(6400));
    }

    @Test
    void fixedNoiseWithAndWithoutBudget() {
        DPConfig none = sigmaOnly().build();
        assertEquals(1.0, none.getNoiseMultiplier());
        assertFalse(none.hasTargetEpsilon());
        assertEquals(Double.POSITIVE_INFINITY, none.getEpsilonLimit());
        DPConfig capped = sigmaOnly().epsilonBudget(3.5).build();
        assertEquals(3.5, capped.getEpsilonLimit());
        assertThrows(IllegalStateException.class, capped::getTargetEpsilon);
    }

    @Test
    void exactlyOneOfEpsilonAndSigma() {
        assertRejected(() -> valid().noiseMultiplier(1.0), "targetEpsilon and noiseMultiplier");
        assertRejected(() -> DPConfig.builder().delta(1e-5).maxGradNorm(1).expectedBatchSize(1).epochs(1),
                "targetEpsilon and noiseMultiplier");
    }

    @Test
    void invalidValuesNameTheirSetting() {
        assertRejected(() -> valid().targetEpsilon(0), "targetEpsilon");
        assertRejected(() -> valid().targetEpsilon(Double.POSITIVE_INFINITY), "targetEpsilon");
        assertRejected(() -> sigmaOnly().noiseMultiplier(-1), "noiseMultiplier");
        assertRejected(() -> sigmaOnly().noiseMultiplier(Double.NaN), "noiseMultiplier");
        assertRejected(() -> valid().epsilonBudget(3), "epsilonBudget");
        assertRejected(() -> sigmaOnly().epsilonBudget(0), "epsilonBudget");
        assertRejected(() -> valid().delta(0), "delta");
        assertRejected(() -> valid().delta(1), "delta");
        assertRejected(() -> valid().delta(-0.1), "delta");
        assertRejected(() -> DPConfig.builder().targetEpsilon(1).maxGradNorm(1).expectedBatchSize(1).epochs(1),
                "delta");
        assertRejected(() -> valid().maxGradNorm(0), "maxGradNorm");
        assertRejected(() -> valid().maxGradNorm(-2), "maxGradNorm");
        assertRejected(() -> valid().maxGradNorm(Double.POSITIVE_INFINITY), "maxGradNorm");
        assertRejected(() -> valid().expectedBatchSize(0), "expectedBatchSize");
        assertRejected(() -> valid().expectedBatchSize(6401), "expectedBatchSize");
        assertRejected(() -> valid().datasetSize(0), "datasetSize");
        assertRejected(() -> valid().steps(10), "epochs and steps");
        assertRejected(() -> DPConfig.builder().targetEpsilon(1).delta(1e-5).maxGradNorm(1).expectedBatchSize(1),
                "epochs and steps");
        assertRejected(() -> valid().epochs(0), "epochs");
        assertRejected(() -> valid().epochs(Double.NaN), "epochs");
        assertRejected(() -> sigmaOnlySteps().steps(0), "steps");
        assertRejected(() -> valid().accountant(null), "accountant");
        assertRejected(() -> valid().clipping(null), "clipping");
        assertRejected(() -> valid().perLayerClipWeight("l1", 1.0), "perLayerClipWeight");
        assertRejected(() -> valid().clipping(ClippingMode.PER_LAYER).perLayerClipWeight("l1", 0), "perLayerClipWeight");
        assertRejected(() -> valid().maxPhysicalBatchSize(0), "maxPhysicalBatchSize");
        assertRejected(() -> valid().secureRandom(true).seed(1), "seed");
        assertRejected(() -> valid().reportEvery(0), "reportEvery");
    }

    @Test
    void datasetSizeIsCheckedAgainstTheSource() {
        DPConfig c = valid().build();
        assertEquals(6400, c.resolveDatasetSize(6400));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.resolveDatasetSize(6399));
        assertTrue(e.getMessage().contains("datasetSize"));
        DPConfig noN = DPConfig.builder().targetEpsilon(1).delta(1e-5).maxGradNorm(1).expectedBatchSize(64)
                .epochs(1).build();
        assertEquals(100, noN.resolveDatasetSize(100));
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> noN.resolveDatasetSize(63));
        assertTrue(tooSmall.getMessage().contains("expectedBatchSize"));
    }

    private static DPConfig.Builder sigmaOnly() {
        return DPConfig.builder().noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0).expectedBatchSize(64)
                .datasetSize(6400).epochs(1);
    }

    private static DPConfig.Builder sigmaOnlySteps() {
        return DPConfig.builder().noiseMultiplier(1.0).delta(1e-5).maxGradNorm(1.0).expectedBatchSize(64)
                .datasetSize(6400);
    }
}
