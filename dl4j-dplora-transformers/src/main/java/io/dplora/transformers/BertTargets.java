package io.dplora.transformers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * LoRA targets of a {@link BertGraph} named like PEFT's {@code target_modules} for BERT/RoBERTa:
 * {@code query}, {@code key}, {@code value}, {@code attention.output.dense}, {@code intermediate.dense},
 * {@code output.dense}. Use with {@code LoRASpec.builder().targets(BertTargets.of("query", "value"))}.
 *
 * <p>Unlike PEFT's suffix matching, each name selects exactly one module per block: {@code output.dense} is the
 * feed-forward output projection only ({@code encoder.layer.i.output.dense}), never
 * {@code attention.output.dense}.
 */
public final class BertTargets {

    /** The default of the DP-LoRA papers and of PEFT for BERT: the query and value projections. */
    public static final List<String> DEFAULT = List.of("query", "value");

    private static final Map<String, String> MODULES = new LinkedHashMap<>();

    static {
        MODULES.put("query", "attention.self.query");
        MODULES.put("key", "attention.self.key");
        MODULES.put("value", "attention.self.value");
        MODULES.put("attention.output.dense", "attention.output.dense");
        MODULES.put("intermediate.dense", "intermediate.dense");
        MODULES.put("output.dense", "output.dense");
    }

    private BertTargets() {
    }

    /**
     * @param names PEFT-style module names (see the class comment); none means {@link #DEFAULT}
     * @return a predicate selecting those modules in every encoder block
     */
    public static Predicate<String> of(String... names) {
        List<String> chosen = names == null || names.length == 0 ? DEFAULT : List.of(names);
        List<String> alternatives = new ArrayList<>();
        for (String n : chosen) {
            String module = MODULES.get(n);
            if (module == null) {
                throw new IllegalArgumentException("Unknown BERT LoRA target '" + n + "'; choose from "
                        + MODULES.keySet());
            }
            alternatives.add(Pattern.quote(module));
        }
        Pattern p = Pattern.compile("^encoder\\.layer\\.\\d+\\.(?:" + String.join("|", alternatives) + ")$");
        return name -> p.matcher(name).matches();
    }
}
