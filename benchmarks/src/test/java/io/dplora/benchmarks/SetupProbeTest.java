package io.dplora.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dplora.accounting.AccountantType;
import io.dplora.accounting.NoiseCalibration;
import io.dplora.accounting.PrivacyLedger;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SetupProbeTest {

    @Test
    void theStepLimitCaseTimesASetUpThatSearchedTheExactLimit() {
        SetupProbe.Case c = SetupProbe.CASES.stream().filter(x -> x.name().startsWith("steplimit_q0.068"))
                .findFirst().orElseThrow();
        Map<String, Object> m = SetupProbe.run(c);
        double q = (double) c.expectedBatch() / c.examples();
        long expected = NoiseCalibration.maxSteps(new PrivacyLedger(), c.sigma(), q, c.budget(), DPLoRAStep.DELTA,
                AccountantType.PLD);
        assertTrue(expected < c.steps(), "the case must exercise the step-limit search: the plan exceeds the budget");
        assertEquals(expected, ((Number) m.get("step_limit")).longValue());
        assertEquals(c.sigma(), ((Number) m.get("noise_multiplier")).doubleValue(), 0.0);
        assertEquals("PLD", m.get("accountant"), "the issue's goal is for the default accountant");
        assertTrue(((Number) m.get("setup_ms")).doubleValue() > 0);
        for (SetupProbe.Case x : SetupProbe.CASES) {
            assertTrue(x.steps() <= 10_000, x.name());
        }
    }
}
