package io.dplora.updater;

import io.dplora.accounting.NoiseCalibration;
import io.dplora.accounting.PrivacyLedger;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-call setup of differentially private training (DP-SGD) for a DL4J network with LoRA layers and a DP-capable
 * head, the JVM twin of a {@code make_private_with_epsilon} call:
 * <pre>{@code
 * ComputationGraph net = LoRA.apply(pretrained, LoRASpec.builder().targets("dense1", "dense2").rank(8).alpha(16)
 *         .trainable("out").build());
 * DPConfig config = DPConfig.builder().targetEpsilon(8).delta(1e-5).maxGradNorm(1.0)
 *         .expectedBatchSize(256).epochs(3).build();
 * PrivateTraining training = DPLoRA.makePrivate(net, trainData, config);
 * training.fit();
 * System.out.println("epsilon = " + training.epsilon() + " at delta = " + training.delta());
 * }</pre>
 *
 * <p>What it does: resolves N (the source's size unless configured), q = E/N and the plan
 * (ceil(epochs&middot;N/E) logical steps); calibrates sigma when a target epsilon is given
 * ({@link NoiseCalibration#noiseMultiplier}, epsilon &le; target); creates the run's {@link PrivacyBudget} and
 * ledger (continuing a restored one when resuming), the {@link PoissonSamplingIterator}, installs the
 * {@link DPUpdater} (after the {@link PrivacyGuard} accepted the network) and adds a {@link PrivacyBudgetListener}.
 * If anything is refused, the network is left as it was.
 */
public final class DPLoRA {

    private static final Logger log = LoggerFactory.getLogger(DPLoRA.class);

    private DPLoRA() {
    }

    /** Makes a ComputationGraph's training private over an in-memory data set. */
    public static PrivateTraining makePrivate(ComputationGraph net, DataSet trainData, DPConfig config) {
        return setup(net, new InMemoryDataSource(trainData), config, null);
    }

    /** Makes a MultiLayerNetwork's training private over an in-memory data set. */
    public static PrivateTraining makePrivate(MultiLayerNetwork net, DataSet trainData, DPConfig config) {
        return setup(net, new InMemoryDataSource(trainData), config, null);
    }

    /**
     * Makes a ComputationGraph's training private over a DL4J iterator's data, materialised in memory
     * ({@link InMemoryDataSource#fromIterator}, limit {@link InMemoryDataSource#defaultMaxBytes()}; the iterator's
     * pre-processor applies). Sampling and accounting are those of the DataSet path.
     */
    public static PrivateTraining makePrivate(ComputationGraph net, DataSetIterator trainData, DPConfig config) {
        return setup(net, InMemoryDataSource.fromIterator(trainData, InMemoryDataSource.defaultMaxBytes()), config,
                null);
    }

    /** Makes a MultiLayerNetwork's training private over a DL4J iterator's data (see the ComputationGraph twin). */
    public static PrivateTraining makePrivate(MultiLayerNetwork net, DataSetIterator trainData, DPConfig config) {
        return setup(net, InMemoryDataSource.fromIterator(trainData, InMemoryDataSource.defaultMaxBytes()), config,
                null);
    }

    /**
     * Makes the training of a ComputationGraph with several inputs or outputs private over an in-memory
     * MultiDataSet (see {@link #makePrivate(ComputationGraph, IndexedMultiDataSource, DPConfig)}).
     */
    public static PrivateTraining makePrivate(ComputationGraph net, org.nd4j.linalg.dataset.api.MultiDataSet trainData,
                                              DPConfig config) {
        return makePrivate(net, new InMemoryMultiDataSource(trainData), config);
    }

    /**
     * Makes the training of a ComputationGraph with several inputs or outputs private over a DL4J
     * MultiDataSetIterator's data, materialised in memory ({@link InMemoryMultiDataSource#fromIterator}, limit
     * {@link InMemoryDataSource#defaultMaxBytes()}; the iterator's pre-processor applies).
     */
    public static PrivateTraining makePrivate(ComputationGraph net,
                                              org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator trainData,
                                              DPConfig config) {
        return makePrivate(net, InMemoryMultiDataSource.fromIterator(trainData, InMemoryDataSource.defaultMaxBytes()),
                config);
    }

    /**
     * Makes the training of a ComputationGraph with several inputs or outputs private: the same Poisson sampler,
     * accounting and DP step as for DataSets (it samples example indices), each micro-batch materialised from
     * {@code trainData}. Train with {@code training.fit()} or {@code net.fit(training.multiDataSetIterator())}.
     */
    public static PrivateTraining makePrivate(ComputationGraph net, IndexedMultiDataSource trainData,
                                              DPConfig config) {
        if (trainData == null) {
            throw new IllegalArgumentException("training data must not be null");
        }
        PrivateTraining t = setup(net, PoissonMultiDataSetIterator.indexSource(trainData.size()), config, null);
        t.useMultiDataSets(new PoissonMultiDataSetIterator(t.iterator(), trainData, t.channel()));
        return t;
    }

    /** Makes a ComputationGraph's training private over an index-addressable (possibly larger-than-memory) source. */
    public static PrivateTraining makePrivate(ComputationGraph net, IndexedDataSource trainData, DPConfig config) {
        return setup(net, trainData, config, null);
    }

    /** Makes a MultiLayerNetwork's training private over an index-addressable source. */
    public static PrivateTraining makePrivate(MultiLayerNetwork net, IndexedDataSource trainData, DPConfig config) {
        return setup(net, trainData, config, null);
    }

    /**
     * Resumes a private run from a checkpoint's network and ledger ({@link DPCheckpoint}): epsilon continues from the
     * ledger, the plan counts the restored steps, and the step limit is recomputed from what is left of the budget.
     */
    public static PrivateTraining resume(DPCheckpoint.Restored<? extends Model> restored, IndexedDataSource trainData,
                                         DPConfig config) {
        if (restored == null) {
            throw new IllegalArgumentException("restored checkpoint must not be null");
        }
        return setup(restored.network(), trainData, config, restored.ledger());
    }

    /** {@link #resume(DPCheckpoint.Restored, IndexedDataSource, DPConfig)} over an in-memory data set. */
    public static PrivateTraining resume(DPCheckpoint.Restored<? extends Model> restored, DataSet trainData,
                                         DPConfig config) {
        return resume(restored, new InMemoryDataSource(trainData), config);
    }

    /**
     * Makes a network's training private, continuing a prior ledger of the same run.
     *
     * @param net         a ComputationGraph or MultiLayerNetwork
     * @param trainData   the private training examples
     * @param config      the run's settings
     * @param priorLedger the run's ledger so far (copied), or null for a fresh run
     * @return the handle of the run
     */
    public static PrivateTraining setup(Model net, IndexedDataSource trainData, DPConfig config,
                                        PrivacyLedger priorLedger) {
        if (net == null || trainData == null || config == null) {
            throw new IllegalArgumentException("network, training data and config must not be null");
        }
        if (!(net instanceof ComputationGraph) && !(net instanceof MultiLayerNetwork)) {
            throw new IllegalArgumentException("unsupported model type " + net.getClass().getName()
                    + ": use a ComputationGraph or a MultiLayerNetwork");
        }
        int n = config.resolveDatasetSize(trainData.size());
        SamplingPlan plan = new SamplingPlan(n, config.getExpectedBatchSize());
        double q = plan.samplingRate();
        long planned = config.plannedSteps(n);
        if (config.hasTargetEpsilon()) {
            log.info("calibrating the noise multiplier: epsilon {} at delta {} over {} logical steps at q = {} ({} "
                    + "accountant)...", config.getTargetEpsilon(), config.getDelta(), planned, q,
                    config.getAccountant());
        }
        double sigma = config.hasTargetEpsilon()
                ? NoiseCalibration.noiseMultiplierForSetup(config.getTargetEpsilon(), config.getDelta(), q, planned,
                config.getAccountant())
                : config.getNoiseMultiplier();
        PrivacyLedger ledger = priorLedger == null ? new PrivacyLedger() : priorLedger.copy();
        long prior = ledger.totalSteps();
        checkBudgetNotRaised(ledger, config);
        PrivacyBudget budget = new PrivacyBudget(ledger, sigma, plan, config.getDelta(), config.getEpsilonLimit(),
                config.getAccountant(), planned);
        SamplingChannel channel = new SamplingChannel();
        KeyedPoissonSampler keyed = config.getSampling() != SamplingScheme.KEYED ? null
                : config.hasSeed() ? KeyedPoissonSampler.seeded(DPRandom.streamSeed(config, budget, 0), q)
                : KeyedPoissonSampler.secure(q);
        PoissonSamplingIterator iterator = new PoissonSamplingIterator(trainData, config.stepsPerEpoch(n),
                config.getMaxPhysicalBatchSize(), budget, keyed == null ? DPRandom.forStream(config, budget, 0) : null,
                keyed, channel);
        DPRandom noise = DPRandom.forStream(config, budget, 1);
        DPUpdater dp = net instanceof ComputationGraph
                ? DPUpdater.attach((ComputationGraph) net, config, budget, channel, noise)
                : DPUpdater.attach((MultiLayerNetwork) net, config, budget, channel, noise);
        ledger.setReporting(config.getDelta(), config.getAccountant());
        ledger.setEpsilonBudget(config.getEpsilonLimit());
        if (config.hasSeed()) {
            ledger.markSeeded();
            log.warn("seeded run (seed set in DPConfig): sampling and noise are reproducible from the seed, so the "
                    + "guarantee holds only while the seed stays secret, and runs with the same seed and settings "
                    + "share their noise. The ledger is marked seeded: NOT for release. Leave the seed unset "
                    + "(SecureRandom, the default) for any model you release");
        }
        PrivacyBudgetListener listener = new PrivacyBudgetListener(budget, dp, config.getReportEvery());
        net.addListeners(listener);
        log.info("private training set up: N = {}, E = {}, q = {}, sigma = {}{}, C = {}, {} planned logical steps "
                        + "({} restored), step limit {}, {} DP layers {} with {} trainable coordinates",
                n, config.getExpectedBatchSize(), q, sigma, config.hasTargetEpsilon()
                        ? " (calibrated for epsilon " + config.getTargetEpsilon() + " at delta " + config.getDelta()
                        + ", " + config.getAccountant() + ")" : "", config.getMaxGradNorm(), planned, prior,
                budget.stepLimit(), dp.dpLayerNames().size(), dp.dpLayerNames(), dp.privatisedParameterCount());
        PrivateTraining training = new PrivateTraining(net, config, iterator, dp, listener, budget);
        training.setChannel(channel);
        return training;
    }

    /**
     * Refuses to resume with a larger budget than the run's ledger records, unless the configuration allows it
     * explicitly (then it is logged): raising the budget is a new privacy decision, never a side effect.
     */
    private static void checkBudgetNotRaised(PrivacyLedger ledger, DPConfig config) {
        double recorded = ledger.epsilonBudget();
        double wanted = config.getEpsilonLimit();
        if (ledger.totalSteps() == 0 || Double.isNaN(recorded) || !(wanted > recorded)) {
            return;
        }
        if (!config.isAllowBudgetIncrease()) {
            throw new IllegalArgumentException("resuming run " + ledger.runId() + " with an epsilon budget of "
                    + wanted + " above the " + recorded + " its ledger records: raising a run's privacy budget is a "
                    + "new privacy decision. Keep the budget, or set DPConfig.Builder.allowBudgetIncrease(true) to "
                    + "raise it deliberately");
        }
        log.warn("raising the privacy budget of run {} from {} to {} (allowBudgetIncrease): the model will have spent "
                + "more privacy than the run was planned for", ledger.runId(), recorded, wanted);
    }
}
