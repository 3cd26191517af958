package io.dplora.spark;

import io.dplora.updater.ClippedSumWorker;
import io.dplora.updater.DPConfig;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Executor side: one replica of the run's network, with its {@link ClippedSumWorker}, per executor thread and run,
 * restored once from the model bytes the driver broadcast (ModelSerializer, no optimiser state) and reused for every
 * logical step (only the trainable DP parameters change between steps). A DL4J network is not thread safe, hence one
 * per task thread.
 */
final class ReplicaCache {

    private static final ThreadLocal<Map<String, ClippedSumWorker>> WORKERS = ThreadLocal.withInitial(HashMap::new);

    private ReplicaCache() {
    }

    /**
     * @param runKey     the run
     * @param modelBytes the network as written by ModelSerializer
     * @param graph      whether it is a ComputationGraph (else a MultiLayerNetwork)
     * @param configJson the run's DPConfig as JSON
     * @return this thread's worker for the run
     */
    static ClippedSumWorker worker(String runKey, byte[] modelBytes, boolean graph, String configJson) {
        Map<String, ClippedSumWorker> m = WORKERS.get();
        ClippedSumWorker w = m.get(runKey);
        if (w == null) {
            Model replica;
            try {
                replica = graph
                        ? ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(modelBytes), false)
                        : ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(modelBytes), false);
            } catch (IOException e) {
                throw new UncheckedIOException("could not restore the network replica of run " + runKey, e);
            }
            w = ClippedSumWorker.of(replica, DPConfig.fromJson(configJson));
            m.clear(); // replicas of finished runs on this thread are released
            m.put(runKey, w);
        }
        return w;
    }
}
