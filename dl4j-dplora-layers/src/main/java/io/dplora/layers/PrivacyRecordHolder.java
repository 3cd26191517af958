package io.dplora.layers;

/**
 * A DP layer configuration that carries the network's {@link PrivacyRecord}. Every layer configuration whose
 * implementation is a {@link PerExampleGradientLayer} must implement it (the privacy guard refuses one that does not):
 * the DP step stamps the record when it attaches and updates it at every released step.
 */
public interface PrivacyRecordHolder {

    /** @return the record, or null when the network has never been made private */
    PrivacyRecord getPrivacyRecord();

    /** @param record the new record (null only when the layer has never been made private) */
    void setPrivacyRecord(PrivacyRecord record);
}
