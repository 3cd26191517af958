package io.dplora.updater;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * Poisson sampling decisions as a keyed pseudo-random function ({@link SamplingScheme#KEYED}): example i is in the
 * logical batch of step t iff U(t, i) &lt; q, where U(t, i) is the top 53 bits of AES-256<sub>K</sub>(t || i) (one
 * 16-byte block: the step and the index as big-endian longs) scaled to [0, 1). Under the standard assumption that
 * AES is a pseudo-random function, the decisions are independent Bernoulli(q) draws to any observer without the key,
 * which is the sampling the accountant assumes; U is exact on the 2<sup>53</sup>-point grid of [0, 1), as for
 * {@link DPRandom#nextBernoulli(double)}.
 *
 * <p>Because a decision depends only on (K, t, i), any machine holding K decides for its own examples in any order
 * with the same result, and a retried task redraws exactly its sample. K is 256 bits from SecureRandom, or, in a
 * seeded experiment, the SHA-256 of the run's seed-derived sampling stream seed. K must stay inside the training
 * job: whoever knows it knows every batch's membership.
 *
 * <p>Serializable (it travels to distributed workers with its key); thread safe (one cipher per thread).
 */
public final class KeyedPoissonSampler implements Serializable {

    private static final long serialVersionUID = 1L;
    /** Blocks encrypted per cipher call when sampling a range. */
    private static final int CHUNK_BLOCKS = 4096;

    private final byte[] key;
    private final double samplingRate;
    private transient ThreadLocal<Cipher> ciphers;

    private KeyedPoissonSampler(byte[] key, double samplingRate) {
        if (!(samplingRate >= 0 && samplingRate <= 1)) {
            throw new IllegalArgumentException("the sampling rate q must lie in [0, 1], got " + samplingRate);
        }
        this.key = key.clone();
        this.samplingRate = samplingRate;
    }

    /**
     * @param samplingRate q
     * @return a sampler with a fresh 256-bit key from SecureRandom
     */
    public static KeyedPoissonSampler secure(double samplingRate) {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return new KeyedPoissonSampler(k, samplingRate);
    }

    /**
     * @param seedMaterial the run's seed-derived sampling stream seed (see {@link DPRandom#streamSeed})
     * @param samplingRate q
     * @return a reproducible sampler (for seeded experiments: private only while the seed is secret)
     */
    public static KeyedPoissonSampler seeded(long seedMaterial, double samplingRate) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("dplora-keyed-poisson-sampler".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            sha.update(ByteBuffer.allocate(8).putLong(seedMaterial).array());
            return new KeyedPoissonSampler(sha.digest(), samplingRate);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private Cipher cipher() {
        if (ciphers == null) {
            synchronized (this) {
                if (ciphers == null) {
                    ciphers = new ThreadLocal<>();
                }
            }
        }
        Cipher c = ciphers.get();
        if (c == null) {
            try {
                c = Cipher.getInstance("AES/ECB/NoPadding");
                c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES is not available", e);
            }
            ciphers.set(c);
        }
        return c;
    }

    /**
     * @param step  the logical step (&ge; 0)
     * @param index the example index (&ge; 0)
     * @return whether the example is in the step's logical batch
     */
    public boolean includes(long step, long index) {
        return includes(step, new long[] {index})[0];
    }

    /**
     * @param step    the logical step
     * @param indices example indices (any order, repeats allowed)
     * @return for each index whether that example is in the step's logical batch (one AES call per 4096 indices)
     */
    public boolean[] includes(long step, long[] indices) {
        boolean[] out = new boolean[indices.length];
        decide(step, indices, indices.length, out);
        return out;
    }

    /**
     * @param step the logical step
     * @param from first example index (inclusive, &ge; 0)
     * @param to   last example index (exclusive)
     * @return the indices in [from, to) that are in the step's logical batch, ascending
     */
    public int[] sample(long step, int from, int to) {
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("invalid index range [" + from + ", " + to + ")");
        }
        int[] chosen = new int[16];
        int size = 0;
        long[] chunk = new long[CHUNK_BLOCKS];
        boolean[] in = new boolean[CHUNK_BLOCKS];
        for (int start = from; start < to; start += CHUNK_BLOCKS) {
            int count = Math.min(CHUNK_BLOCKS, to - start);
            for (int j = 0; j < count; j++) {
                chunk[j] = (long) start + j;
            }
            decide(step, chunk, count, in);
            for (int j = 0; j < count; j++) {
                if (in[j]) {
                    if (size == chosen.length) {
                        chosen = Arrays.copyOf(chosen, chosen.length * 2);
                    }
                    chosen[size++] = start + j;
                }
            }
        }
        return Arrays.copyOf(chosen, size);
    }

    /** Decides indices[0 .. count) into out[0 .. count), encrypting up to {@value #CHUNK_BLOCKS} blocks per call. */
    private void decide(long step, long[] indices, int count, boolean[] out) {
        Cipher c = cipher();
        int chunk = Math.min(CHUNK_BLOCKS, Math.max(1, count));
        byte[] in = new byte[16 * chunk];
        byte[] enc = new byte[16 * chunk];
        ByteBuffer buf = ByteBuffer.wrap(in);
        for (int start = 0; start < count; start += chunk) {
            int blocks = Math.min(chunk, count - start);
            buf.clear();
            for (int j = 0; j < blocks; j++) {
                buf.putLong(step).putLong(indices[start + j]);
            }
            try {
                c.doFinal(in, 0, 16 * blocks, enc, 0);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES encryption failed", e);
            }
            for (int j = 0; j < blocks; j++) {
                out[start + j] = uniform(enc, 16 * j) < samplingRate;
            }
        }
    }

    private static double uniform(byte[] b, int off) {
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v = (v << 8) | (b[off + k] & 0xFF);
        }
        return (v >>> 11) * 0x1.0p-53;
    }

    /** @return q */
    public double samplingRate() {
        return samplingRate;
    }
}
