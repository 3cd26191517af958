package io.dplora.transformers;

/**
 * How a text longer than the model's input is cut, counted in word pieces (the [CLS] and [SEP] tokens are always
 * kept).
 */
public enum Truncation {
    /** keep the first word pieces (what Hugging Face tokenizers do by default) */
    HEAD,
    /**
     * keep the first quarter and the last three quarters of the budget (Sun et al. 2019, "How to fine-tune BERT for
     * text classification": head+tail beat head-only on IMDb)
     */
    HEAD_TAIL
}
