package com.example.dplora;

import io.dplora.updater.PrivateTraining;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The library, used as a plain dependency with the CPU backend, takes real DP steps within the budget. */
class ConsumerExampleTest {

    @Test
    void privateTrainingRunsWithTheLibraryModulesAndAChosenBackend() {
        ComputationGraph pretrained = ConsumerExample.pretrained(1);
        INDArray w0 = pretrained.getLayer("dense1").getParam("W").dup();
        DataSet data = ConsumerExample.data(2, 512);
        PrivateTraining training = ConsumerExample.trainPrivately(pretrained, data);
        ComputationGraph net = (ComputationGraph) training.network();

        assertEquals(16, training.stepsTaken(), "one epoch of ceil(N/E) = 512/32 logical steps");
        assertTrue(training.epsilon() > 0 && training.epsilon() <= 4.0, "epsilon " + training.epsilon());
        assertEquals(w0, net.getLayer("dense1").getParam("W"), "the pretrained weight is frozen");
        assertNotEquals(0.0, net.getLayer("dense1").getParam("loraB").norm2Number().doubleValue(),
                "the adapter trained");
    }
}
