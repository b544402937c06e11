// Gives each principal of the local stack's Kafka its SCRAM-SHA-512 password, which kafkajs cannot:
// AlterUserScramCredentials is in Kafka's own Admin client only. Run by the stack as a single-file
// program on Kafka's class path, connecting to the broker's internal listener as its super user.
//
//   SCRAM_USERS="<name>\t<password>\n…" KAFKA_BROKER_USER=… KAFKA_BROKER_PASSWORD=… \
//     java -cp '<kafka libs>/*' ScramUsers.java <bootstrap host:port>
//
// Secrets come by environment (readable by their owner alone), never on the command line.
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

public class ScramUsers {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("security.protocol", "SASL_PLAINTEXT");
    props.put("sasl.mechanism", "PLAIN");
    props.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
            + System.getenv("KAFKA_BROKER_USER")
            + "\" password=\""
            + System.getenv("KAFKA_BROKER_PASSWORD")
            + "\";");
    List<UserScramCredentialAlteration> upserts = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (String line : System.getenv("SCRAM_USERS").split("\n")) {
      if (line.isEmpty()) continue;
      int tab = line.indexOf('\t');
      String name = line.substring(0, tab);
      names.add(name);
      upserts.add(
          new UserScramCredentialUpsertion(
              name, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), line.substring(tab + 1)));
    }
    try (Admin admin = Admin.create(props)) {
      admin.alterUserScramCredentials(upserts).all().get();
    }
    System.out.println("SCRAM-SHA-512 credentials set for " + String.join(", ", names));
  }
}
