package io.dplora.updater;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A {@link DataSetIterator} that draws logical batches by Poisson sampling: each of the N examples of an
 * {@link IndexedDataSource} is in a logical batch independently with probability q = E/N, so batch sizes vary
 * (mean qN, variance qN(1-q)) and empty batches happen. This is the sampling the accountant assumes. N, E and q come
 * from the run's {@link PrivacyBudget} ({@link SamplingPlan}), never from a separate argument, and the source must
 * hold exactly N examples.
 *
 * <ul>
 *   <li>A logical batch is split into physical micro-batches of at most {@code maxPhysicalBatchSize} examples
 *       (virtual batches); each is announced on the run's {@link SamplingChannel} (logical step, index, count,
 *       rows), so the DP step accumulates their clipped sums and releases one noisy update per logical batch.</li>
 *   <li>An empty logical batch is a real step (pure noise, accounted). It is delivered as one padding micro-batch of
 *       two rows of zero features and labels (data-independent; all-ones feature masks and all-zero label masks when
 *       the data has masks), flagged as padding: the DP step gives all its rows clip factor 0.</li>
 *   <li>One "epoch" is ceil(N/E) logical steps (N/E in expectation sees every example once); {@link #hasNext()}
 *       turns false at the end of an epoch and, for good, when the run's {@link PrivacyBudget} step limit (plan or
 *       epsilon budget) is reached. {@link #reset()} starts the next epoch and never revives a spent budget.</li>
 *   <li>{@link #asyncSupported()} is false: DL4J's asynchronous prefetch would draw batches past the budget.</li>
 *   <li>Pre-processors are refused: a normaliser fitted on the private data would leak it outside the DP
 *       mechanism. Do per-example preprocessing with public statistics inside the {@link IndexedDataSource}.</li>
 * </ul>
 * Draws come from the run's {@link DPRandom} (seeded, or SecureRandom in secure mode), one per example in index order
 * ({@link SamplingScheme#SEQUENTIAL}), or from the run's {@link KeyedPoissonSampler} ({@link SamplingScheme#KEYED}).
 */
public class PoissonSamplingIterator implements DataSetIterator {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(PoissonSamplingIterator.class);

    /** Rows of the padding micro-batch that stands for an empty logical batch (DL4J rejects some 1-row masks). */
    public static final int PADDING_ROWS = 2;

    private final transient IndexedDataSource source;
    private final double samplingRate;
    private final long stepsPerEpoch;
    private final int maxPhysicalBatchSize;
    private final transient PrivacyBudget budget;
    private final transient DPRandom random;
    private final KeyedPoissonSampler keyed;
    private final transient SamplingChannel channel;
    private final transient DataSet template;

    private final Deque<int[]> pendingMicroBatches = new ArrayDeque<>();
    private long nextLogicalStep;
    private long currentLogicalStep = -1;
    private int currentMicroBatchCount;
    private int currentMicroBatchIndex;
    private boolean currentIsEmpty;
    private long epochEnd;

    private int lastLogicalBatchSize = -1;
    private long logicalBatchesDrawn;
    private long emptyLogicalBatches;

    /**
     * @param source               the N examples of the budget's sampling plan
     * @param stepsPerEpoch        logical steps per epoch (&ge; 1)
     * @param maxPhysicalBatchSize largest micro-batch (&ge; 1)
     * @param budget               the run's budget: its sampling plan gives q, its step limit ends the iteration for
     *                             good
     * @param random               the run's sampling stream
     * @param channel              where micro-batches are announced to the DP step
     * @throws IllegalArgumentException if the source does not hold exactly the plan's N examples
     */
    public PoissonSamplingIterator(IndexedDataSource source, long stepsPerEpoch, int maxPhysicalBatchSize,
                                   PrivacyBudget budget, DPRandom random, SamplingChannel channel) {
        this(source, stepsPerEpoch, maxPhysicalBatchSize, budget, random, null, channel);
    }

    /**
     * As {@link #PoissonSamplingIterator(IndexedDataSource, long, int, PrivacyBudget, DPRandom, SamplingChannel)},
     * drawing with a keyed sampler ({@link SamplingScheme#KEYED}) when {@code keyed} is not null.
     *
     * @param keyed the run's keyed sampler (its rate must be the budget's q), or null for sequential draws from
     *              {@code random}
     */
    public PoissonSamplingIterator(IndexedDataSource source, long stepsPerEpoch, int maxPhysicalBatchSize,
                                   PrivacyBudget budget, DPRandom random, KeyedPoissonSampler keyed,
                                   SamplingChannel channel) {
        if (source == null || budget == null || (random == null && keyed == null) || channel == null) {
            throw new IllegalArgumentException("source, budget, channel and a random source (a stream or a keyed "
                    + "sampler) must not be null");
        }
        if (source.size() != budget.plan().datasetSize()) {
            throw new IllegalArgumentException("the source holds " + source.size() + " examples but the budget's "
                    + "sampling plan has N = " + budget.plan().datasetSize() + ": q = E/N must be the rate of the data "
                    + "actually sampled");
        }
        double samplingRate = budget.samplingRate();
        if (keyed != null && keyed.samplingRate() != samplingRate) {
            throw new IllegalArgumentException("the keyed sampler's rate " + keyed.samplingRate() + " is not the "
                    + "budget's q = " + samplingRate);
        }
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("stepsPerEpoch must be >= 1, got " + stepsPerEpoch);
        }
        if (maxPhysicalBatchSize < 1) {
            throw new IllegalArgumentException("maxPhysicalBatchSize must be >= 1, got " + maxPhysicalBatchSize);
        }
        this.source = source;
        this.samplingRate = samplingRate;
        this.stepsPerEpoch = stepsPerEpoch;
        this.maxPhysicalBatchSize = maxPhysicalBatchSize;
        this.budget = budget;
        this.random = random;
        this.keyed = keyed;
        this.channel = channel;
        this.template = fetch(new int[]{0});
        this.nextLogicalStep = budget.stepsTaken();
        this.epochEnd = epochEndFor(nextLogicalStep);
    }

    private long epochEndFor(long step) {
        long e = (step / stepsPerEpoch + 1) * stepsPerEpoch;
        return e < 0 ? Long.MAX_VALUE : e;
    }

    private long stepIndexOfNextDraw() {
        return Math.max(nextLogicalStep, budget.stepsTaken());
    }

    @Override
    public synchronized boolean hasNext() {
        if (!pendingMicroBatches.isEmpty()) {
            return true;
        }
        long s = stepIndexOfNextDraw();
        return s < epochEnd && s < budget.stepLimit();
    }

    /** @return whether logical steps remain in the run at all (in this or later epochs). */
    public synchronized boolean hasRemainingSteps() {
        return !pendingMicroBatches.isEmpty() || stepIndexOfNextDraw() < budget.stepLimit();
    }

    @Override
    public synchronized DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException(budget.remainingSteps() == 0
                    ? "no logical step left: the plan is complete or the privacy budget is spent"
                    : "end of epoch: call reset() to start the next one");
        }
        if (pendingMicroBatches.isEmpty()) {
            drawLogicalBatch();
        }
        int[] indices = pendingMicroBatches.pollFirst();
        int index = currentMicroBatchIndex++;
        DataSet ds;
        if (currentIsEmpty) {
            ds = paddingBatch();
        } else {
            ds = fetch(indices);
        }
        channel.announce(new MicroBatch(currentLogicalStep, index, currentMicroBatchCount, ds.numExamples(),
                currentIsEmpty, budget, new INDArray[] {ds.getFeatures()}, new INDArray[] {ds.getLabels()}));
        return ds;
    }

    private void drawLogicalBatch() {
        int n = source.size();
        long step = stepIndexOfNextDraw();
        int[] chosen;
        int size;
        if (keyed != null) {
            chosen = keyed.sample(step, 0, n);
            size = chosen.length;
        } else {
            chosen = new int[Math.max(16, (int) Math.min(n, Math.ceil(n * samplingRate * 1.5) + 16))];
            size = 0;
            for (int i = 0; i < n; i++) {
                if (random.nextBernoulli(samplingRate)) {
                    if (size == chosen.length) {
                        chosen = Arrays.copyOf(chosen, Math.min(n, chosen.length * 2));
                    }
                    chosen[size++] = i;
                }
            }
        }
        currentLogicalStep = step;
        nextLogicalStep = currentLogicalStep + 1;
        currentMicroBatchIndex = 0;
        lastLogicalBatchSize = size;
        logicalBatchesDrawn++;
        if (size == 0) {
            emptyLogicalBatches++;
            currentIsEmpty = true;
            currentMicroBatchCount = 1;
            pendingMicroBatches.add(new int[0]);
            return;
        }
        currentIsEmpty = false;
        currentMicroBatchCount = (int) ((size + (long) maxPhysicalBatchSize - 1) / maxPhysicalBatchSize);
        for (long start = 0; start < size; start += maxPhysicalBatchSize) {
            pendingMicroBatches.add(Arrays.copyOfRange(chosen, (int) start,
                    (int) Math.min(size, start + maxPhysicalBatchSize)));
        }
    }

    private DataSet fetch(int[] indices) {
        DataSet ds;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            ds = source.get(indices);
        }
        if (ds == null || ds.getFeatures() == null || ds.getLabels() == null) {
            throw new IllegalStateException("the IndexedDataSource returned no features/labels for "
                    + indices.length + " indices");
        }
        if (ds.getFeatures().size(0) != indices.length || ds.getLabels().size(0) != indices.length) {
            throw new IllegalStateException("the IndexedDataSource returned " + ds.getFeatures().size(0)
                    + " rows for " + indices.length + " indices; one row per index is required");
        }
        return ds;
    }

    /**
     * @return the data-independent stand-in of an empty logical batch: {@value #PADDING_ROWS} rows of zero features
     * and labels shaped like the data, all-ones feature masks and all-zero label masks where the data has masks
     */
    DataSet paddingBatch() {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray f = Nd4j.zeros(template.getFeatures().dataType(), withRows(template.getFeatures().shape()));
            INDArray l = Nd4j.zeros(template.getLabels().dataType(), withRows(template.getLabels().shape()));
            INDArray fm = template.getFeaturesMaskArray() == null ? null
                    : Nd4j.ones(template.getFeaturesMaskArray().dataType(),
                    withRows(template.getFeaturesMaskArray().shape()));
            INDArray lm = template.getLabelsMaskArray() == null ? null
                    : Nd4j.zeros(template.getLabelsMaskArray().dataType(),
                    withRows(template.getLabelsMaskArray().shape()));
            return new DataSet(f, l, fm, lm);
        }
    }

    private static long[] withRows(long[] shape) {
        long[] s = shape.clone();
        s[0] = PADDING_ROWS;
        return s;
    }

    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("Poisson sampling decides the batch size; use next()");
    }

    @Override
    public int inputColumns() {
        return (int) template.getFeatures().size(1);
    }

    @Override
    public int totalOutcomes() {
        return (int) template.getLabels().size(1);
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    /** @return false: asynchronous prefetch would draw logical batches beyond the privacy budget. */
    @Override
    public boolean asyncSupported() {
        return false;
    }

    /**
     * Starts the next epoch (or keeps the current one if it has not ended). Never revives a spent budget, and keeps
     * the remaining micro-batches of a partly delivered logical batch.
     */
    @Override
    public synchronized void reset() {
        epochEnd = epochEndFor(stepIndexOfNextDraw() - (pendingMicroBatches.isEmpty() ? 0 : 1));
        if (!hasRemainingSteps()) {
            log.info("PoissonSamplingIterator: no logical step left ({} of {} taken; the plan is complete or the "
                    + "privacy budget is spent); the iterator stays empty", budget.stepsTaken(), budget.stepLimit());
        }
    }

    @Override
    public int batch() {
        return (int) Math.max(1, Math.min(maxPhysicalBatchSize, Math.round(samplingRate * source.size())));
    }

    /** Refused: a pre-processor fitted on the private data would leak it (see the class comment). */
    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        if (preProcessor != null) {
            throw new UnsupportedOperationException("PoissonSamplingIterator does not take a DataSetPreProcessor: "
                    + "statistics fitted on private data leak outside the DP guarantee. Preprocess each example "
                    + "inside the IndexedDataSource, with statistics from public data only");
        }
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return null;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }

    /** @return q, the probability that an example is in a logical batch. */
    public double samplingRate() {
        return samplingRate;
    }

    /** @return logical steps per epoch. */
    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** @return the largest micro-batch. */
    public int maxPhysicalBatchSize() {
        return maxPhysicalBatchSize;
    }

    /** @return the size of the last logical batch drawn (-1 before the first). */
    public synchronized int lastLogicalBatchSize() {
        return lastLogicalBatchSize;
    }

    /** @return logical batches drawn by this iterator. */
    public synchronized long logicalBatchesDrawn() {
        return logicalBatchesDrawn;
    }

    /** @return empty logical batches drawn by this iterator (each delivered as a padding micro-batch). */
    public synchronized long emptyLogicalBatches() {
        return emptyLogicalBatches;
    }

    /** @return the run's keyed sampler ({@link SamplingScheme#KEYED}), or null for sequential draws */
    public KeyedPoissonSampler keyedSampler() {
        return keyed;
    }

    /** @return the run's budget. */
    public PrivacyBudget budget() {
        return budget;
    }

    /** @return the data type of the source's features (that of the padding batch). */
    public DataType featureDataType() {
        return template.getFeatures().dataType();
    }
}
