package io.dplora.samples.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builders of small (broken or valid) data files for the error-path tests, and the check of their messages. */
final class BrokenFiles {

    private BrokenFiles() {
    }

    /** An IDX file body: magic, dims, then data. */
    static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(raw);
        }
        return bytes.toByteArray();
    }

    /** Asserts the message names the file and the fix. */
    static void assertNamesFileAndFix(DataFileException e, java.nio.file.Path file) {
        assertTrue(e.getMessage().contains(file.toString()), () -> "message lacks the file " + file + ": "
                + e.getMessage());
        assertTrue(e.getMessage().contains("scripts/fetch-data.sh"), () -> "message lacks the fix: " + e.getMessage());
        assertTrue(e.file().equals(file), () -> "file() is " + e.file() + ", expected " + file);
    }
}
