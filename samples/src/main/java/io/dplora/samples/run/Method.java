package io.dplora.samples.run;

import io.dplora.layers.LoRAMode;

import java.util.Locale;

/** How the LoRA network is fine-tuned on the private split. */
public enum Method {
    /** DP-SGD, A and B of every adapter trained (plus the DP head). */
    VANILLA(LoRAMode.VANILLA, true),
    /** DP-SGD, A frozen at its random initialisation, only B trained (plus the DP head): FFA-LoRA. */
    FFA(LoRAMode.FFA, true),
    /** The same LoRA network (A and B trained) with ordinary, non-private training: the reference line. */
    NONE(LoRAMode.VANILLA, false),
    /**
     * The frozen-base baseline: no adapters, only the head trained, non-private (a linear probe when the head is one
     * output layer on a frozen encoder).
     */
    PROBE(LoRAMode.VANILLA, false),
    /**
     * The converged frozen-base probe: the head fitted by logistic regression to convergence on the frozen encoder's
     * features of the private training examples, with the settings of the task's public head fit (non-private; only
     * for tasks whose head sits on frozen features, see {@code Task.frozenFeatureHead()}).
     */
    LOGREG(LoRAMode.VANILLA, false);

    private final LoRAMode mode;
    private final boolean privateTraining;

    Method(LoRAMode mode, boolean privateTraining) {
        this.mode = mode;
        this.privateTraining = privateTraining;
    }

    /** @return the adapter mode used by this method. */
    public LoRAMode loraMode() {
        return mode;
    }

    /** @return whether training is differentially private. */
    public boolean isPrivate() {
        return privateTraining;
    }

    /** @return whether the method puts LoRA adapters on the task's targets (all but {@link #PROBE}, {@link #LOGREG}). */
    public boolean hasAdapters() {
        return this != PROBE && this != LOGREG;
    }

    /** @return the command-line spelling, e.g. {@code ffa}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the method of that spelling (case-insensitive). */
    public static Method parse(String s) {
        for (Method m : values()) {
            if (m.label().equalsIgnoreCase(s == null ? "" : s.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + s + "' (choose from vanilla, ffa, none, probe, logreg)");
    }
}
