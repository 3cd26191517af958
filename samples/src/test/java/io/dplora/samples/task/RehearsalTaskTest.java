package io.dplora.samples.task;

import io.dplora.samples.cli.TestFolders;
import io.dplora.samples.data.DataLocations;
import io.dplora.updater.IndexedDataSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10 item 5: hyperparameters are chosen on a task's public rehearsal. Every example of every rehearsal split
 * must come from public data: every feature row of every rehearsal split is a row of the real task's public
 * training or test split (real data; imdb's rehearsal is built the same way from its public half).
 */
class RehearsalTaskTest {

    private static Set<String> rows(IndexedDataSource s) {
        DataSet d = s.get(IntStream.range(0, s.size()).toArray());
        Set<String> out = new HashSet<>();
        long n = d.getFeatures().size(0);
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < n; i++) {
            float[] row = d.getFeatures().slice(i).dup().data().asFloat();
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * row.length);
            for (float v : row) {
                b.putFloat(v);
            }
            out.add(java.util.HexFormat.of().formatHex(md.digest(b.array())));
        }
        return out;
    }

    private static void check(Task task) {
        DataLocations at = DataLocations.at(TestFolders.data());
        TaskData real = task.load(at);
        Task rehearsal = Tasks.byName(task.name() + "-rehearsal");
        assertEquals(task.name() + RehearsalTask.SUFFIX, rehearsal.name());
        TaskData r = rehearsal.load(at);
        Set<String> publicRows = rows(real.publicTrain());
        publicRows.addAll(rows(real.publicTest()));
        for (IndexedDataSource s : new IndexedDataSource[] {r.publicTrain(), r.publicTest(), r.privateTrain(),
            r.privateTest()}) {
            Set<String> mine = rows(s);
            mine.removeAll(publicRows);
            assertTrue(mine.isEmpty(), task.name() + ": " + mine.size() + " rehearsal rows are not public rows");
        }
        assertEquals(real.inputSize(), r.inputSize(), "same model shape");
        assertEquals(real.numClasses(), r.numClasses(), "same head");
    }

    @Test
    void fashionRehearsalUsesPublicClassesOnly() {
        check(new FashionTask());
    }

    @Test
    void spamRehearsalUsesThe2002ReleaseOnly() {
        check(new SpamTask());
    }
}
