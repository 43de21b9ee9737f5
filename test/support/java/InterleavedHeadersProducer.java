// Writes one record whose headers interleave keys (b=1, a=2, b=3, 9=4) with Kafka's own Java client,
// so tests can see how another client reads header order. Run as a single-file source program:
//   java -cp "<kafka libs>/*" InterleavedHeadersProducer.java BOOTSTRAP TOPIC
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class InterleavedHeadersProducer {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("key.serializer", ByteArraySerializer.class.getName());
    props.put("value.serializer", ByteArraySerializer.class.getName());
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      ProducerRecord<byte[], byte[]> record =
          new ProducerRecord<>(args[1], null, "x".getBytes(StandardCharsets.UTF_8));
      record.headers().add("b", "1".getBytes(StandardCharsets.UTF_8));
      record.headers().add("a", "2".getBytes(StandardCharsets.UTF_8));
      record.headers().add("b", "3".getBytes(StandardCharsets.UTF_8));
      record.headers().add("9", "4".getBytes(StandardCharsets.UTF_8));
      producer.send(record).get();
    }
  }
}
