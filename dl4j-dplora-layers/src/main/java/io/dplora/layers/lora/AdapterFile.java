package io.dplora.layers.lora;

import io.dplora.layers.LoRADenseLayer;
import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Adapter files: only the parameters a LoRA fine-tuning produced (A and B of every LoRA layer, all parameters of
 * trainable DP layers), tied to the pretrained base they were trained on.
 *
 * <p>Format: a zip with {@code adapter.json} (format version; the adapter parameters and the base parameters as
 * layer, key and shape; the LoRA settings rank/alpha/mode per layer; SHA-256 of the base parameter values, taken in
 * network order over their values as IEEE-754 doubles, so a FLOAT and a DOUBLE copy of the same base agree) and one
 * ND4J binary entry per adapter parameter. Loading checks structure, LoRA settings and checksum before it writes
 * anything, and throws {@link AdapterMismatchException} naming the difference; the network is then unchanged. Files
 * are written to a temporary file and moved into place, so a failed save leaves no partial file.
 */
final class AdapterFile {

    static final String FORMAT = "dl4j-dplora-adapter";
    static final int VERSION = 1;
    private static final String MANIFEST = "adapter.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One parameter of the network, classified as adapter or base. */
    private static final class Param {
        final String layer;
        final String key;
        final INDArray value;

        Param(String layer, String key, INDArray value) {
            this.layer = layer;
            this.key = key;
            this.value = value;
        }

        String id() {
            return layer + "/" + key + Arrays.toString(value.shape());
        }
    }

    /** The network split into adapter and base parameters. */
    private static final class Split {
        final List<Param> adapter = new ArrayList<>();
        final List<Param> base = new ArrayList<>();
        final Map<String, LoRADenseLayer> lora = new HashMap<>();
    }

    private AdapterFile() {
    }

    private static Split split(Layer[] layers) {
        Split s = new Split();
        for (Layer impl : layers) {
            org.deeplearning4j.nn.conf.layers.Layer conf = LayerConversions.unwrapFrozen(impl.conf().getLayer());
            String name = conf.getLayerName() != null ? conf.getLayerName() : impl.conf().getLayer().getLayerName();
            List<String> adapterKeys = TrainableKeys.adapter(conf);
            if (conf instanceof LoRADenseLayer) {
                s.lora.put(name, (LoRADenseLayer) conf);
            }
            for (Map.Entry<String, INDArray> e : impl.paramTable().entrySet()) {
                Param p = new Param(name, e.getKey(), e.getValue());
                (adapterKeys.contains(e.getKey()) ? s.adapter : s.base).add(p);
            }
        }
        return s;
    }

    static void save(Layer[] layers, File file) throws IOException {
        Split s = split(layers);
        if (s.adapter.isEmpty()) {
            throw new IllegalArgumentException("The network has no adapter parameters (no LoRA layer and no trainable "
                    + "DP layer); nothing to save");
        }
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("format", FORMAT);
        manifest.put("version", VERSION);
        manifest.set("adapter", describe(s.adapter));
        manifest.set("base", describe(s.base));
        manifest.set("lora", describeLoRA(s.lora));
        manifest.put("baseSha256", checksum(s.base));

        File dir = file.getAbsoluteFile().getParentFile();
        if (dir != null && !dir.isDirectory()) {
            throw new IOException("Directory does not exist: " + dir);
        }
        File tmp = File.createTempFile(file.getName(), ".tmp", dir);
        try {
            try (OutputStream os = Files.newOutputStream(tmp.toPath()); ZipOutputStream zip = new ZipOutputStream(os)) {
                zip.putNextEntry(new ZipEntry(MANIFEST));
                zip.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
                zip.closeEntry();
                for (int i = 0; i < s.adapter.size(); i++) {
                    zip.putNextEntry(new ZipEntry(entryName(i)));
                    DataOutputStream dos = new DataOutputStream(zip);
                    Nd4j.write(s.adapter.get(i).value.dup('c'), dos);
                    dos.flush();
                    zip.closeEntry();
                }
            }
            Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp.toPath());
        }
    }

    static void load(Layer[] layers, File file) throws IOException {
        Split s = split(layers);
        try (ZipFile zip = new ZipFile(file)) {
            ZipEntry me = zip.getEntry(MANIFEST);
            if (me == null) {
                throw new AdapterMismatchException("'" + file + "' is not an adapter file (no " + MANIFEST + ")");
            }
            JsonNode manifest;
            try (InputStream in = zip.getInputStream(me)) {
                manifest = JSON.readTree(in);
            }
            if (!FORMAT.equals(manifest.path("format").asText()) || manifest.path("version").asInt() != VERSION) {
                throw new AdapterMismatchException("'" + file + "' is not a version " + VERSION + " adapter file");
            }
            compare("adapter parameters", ids(manifest.get("adapter")), ids(s.adapter));
            compare("base parameters", ids(manifest.get("base")), ids(s.base));
            compareLoRA(manifest.get("lora"), s.lora);
            String expected = manifest.path("baseSha256").asText();
            String actual = checksum(s.base);
            if (!expected.equals(actual)) {
                throw new AdapterMismatchException("The pretrained (base) weights differ from those the adapter was "
                        + "trained on (SHA-256 " + actual + " vs " + expected + "): load it into LoRA.apply of the "
                        + "same pretrained network");
            }
            List<INDArray> values = new ArrayList<>();
            for (int i = 0; i < s.adapter.size(); i++) {
                ZipEntry e = zip.getEntry(entryName(i));
                if (e == null) {
                    throw new AdapterMismatchException("Adapter file '" + file + "' is incomplete: missing "
                            + entryName(i));
                }
                INDArray v;
                try (InputStream in = zip.getInputStream(e)) {
                    v = Nd4j.read(new DataInputStream(in));
                }
                Param p = s.adapter.get(i);
                if (!Arrays.equals(v.shape(), p.value.shape())) {
                    throw new AdapterMismatchException("Adapter entry " + i + " has shape " + Arrays.toString(v.shape())
                            + ", expected " + p.id());
                }
                values.add(v);
            }
            for (int i = 0; i < values.size(); i++) {
                s.adapter.get(i).value.assign(values.get(i));
            }
        }
    }

    private static String entryName(int i) {
        return "params/" + i + ".bin";
    }

    private static ArrayNode describe(List<Param> params) {
        ArrayNode arr = JSON.createArrayNode();
        for (Param p : params) {
            ObjectNode o = arr.addObject();
            o.put("layer", p.layer);
            o.put("key", p.key);
            ArrayNode shape = o.putArray("shape");
            for (long d : p.value.shape()) {
                shape.add(d);
            }
        }
        return arr;
    }

    private static ArrayNode describeLoRA(Map<String, LoRADenseLayer> lora) {
        ArrayNode arr = JSON.createArrayNode();
        lora.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            ObjectNode o = arr.addObject();
            o.put("layer", e.getKey());
            o.put("rank", e.getValue().getRank());
            o.put("alpha", e.getValue().getAlpha());
            o.put("mode", e.getValue().getMode().name());
        });
        return arr;
    }

    private static List<String> ids(JsonNode arr) {
        List<String> out = new ArrayList<>();
        if (arr == null || !arr.isArray()) {
            throw new AdapterMismatchException("Malformed adapter manifest");
        }
        for (JsonNode o : arr) {
            long[] shape = new long[o.path("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = o.path("shape").get(i).asLong();
            }
            out.add(o.path("layer").asText() + "/" + o.path("key").asText() + Arrays.toString(shape));
        }
        return out;
    }

    private static List<String> ids(List<Param> params) {
        List<String> out = new ArrayList<>();
        for (Param p : params) {
            out.add(p.id());
        }
        return out;
    }

    private static void compare(String what, List<String> inFile, List<String> inNet) {
        if (inFile.equals(inNet)) {
            return;
        }
        Set<String> missing = new HashSet<>(inFile);
        missing.removeAll(inNet);
        Set<String> extra = new HashSet<>(inNet);
        extra.removeAll(inFile);
        throw new AdapterMismatchException("The " + what + " of the adapter file do not match this network"
                + (missing.isEmpty() ? "" : "; only in the file: " + missing)
                + (extra.isEmpty() ? "" : "; only in the network: " + extra)
                + (missing.isEmpty() && extra.isEmpty() ? " (different order)" : ""));
    }

    private static void compareLoRA(JsonNode arr, Map<String, LoRADenseLayer> lora) {
        if (arr == null || !arr.isArray()) {
            throw new AdapterMismatchException("Malformed adapter manifest: no LoRA settings");
        }
        for (JsonNode o : arr) {
            String name = o.path("layer").asText();
            LoRADenseLayer l = lora.get(name);
            if (l == null || l.getRank() != o.path("rank").asInt() || l.getAlpha() != o.path("alpha").asDouble()
                    || !l.getMode().name().equals(o.path("mode").asText())) {
                throw new AdapterMismatchException("LoRA layer '" + name + "' was trained with rank "
                        + o.path("rank").asInt() + ", alpha " + o.path("alpha").asDouble() + ", mode "
                        + o.path("mode").asText() + "; this network has " + (l == null ? "no such LoRA layer"
                        : "rank " + l.getRank() + ", alpha " + l.getAlpha() + ", mode " + l.getMode()));
            }
        }
        if (arr.size() != lora.size()) {
            throw new AdapterMismatchException("The adapter file has " + arr.size() + " LoRA layers, this network "
                    + lora.size());
        }
    }

    /** SHA-256 over layer/key/shape and the values (as doubles, 'c' order) of the given parameters. */
    static String checksum(List<Param> params) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buf = ByteBuffer.allocate(8 * 8192);
        for (Param p : params) {
            md.update(p.id().getBytes(StandardCharsets.UTF_8));
            INDArray flat = Nd4j.toFlattened('c', p.value).castTo(DataType.DOUBLE);
            flat = flat.reshape(flat.length());
            long n = flat.length();
            for (long start = 0; start < n; start += 8192) {
                long end = Math.min(n, start + 8192);
                double[] chunk = flat.get(NDArrayIndex.interval(start, end)).toDoubleVector();
                buf.clear();
                for (double v : chunk) {
                    buf.putDouble(v);
                }
                md.update(buf.array(), 0, buf.position());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (byte b : md.digest()) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }
}
