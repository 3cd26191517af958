package io.dplora.layers.lora;

/**
 * An adapter file does not fit the network it is loaded into: other layers or shapes, or pretrained (base) weights
 * whose checksum differs from the base the adapter was trained on. The network is left unchanged.
 */
public class AdapterMismatchException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public AdapterMismatchException(String message) {
        super(message);
    }
}
