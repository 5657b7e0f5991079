// firebase-tools starts the Storage emulator's rules runtime as
//   java -Djava.security.manager=disallow -Duser.language=en -jar <STORAGE_EMULATOR_BINARY_PATH> serve
// and talks to it in JSON lines over stdin/stdout. DealChat's runtime is a Node program, so this launcher
// only starts `node <runtime script> <same args>` on the same stdin/stdout/stderr and lives as long as it.
//
// Where things are comes from the environment that scripts/firebase.ts prepares (system properties of the
// same names, lower-cased with dots, win when set):
//   DEALCHAT_STORAGE_RUNTIME_SCRIPT  the built runtime (rules-engine/dist/storage-runtime.mjs)   required
//   DEALCHAT_NODE                    the Node executable                                          default "node"
package dealchat.storage;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

public final class StorageRulesRuntimeLauncher {
  private StorageRulesRuntimeLauncher() {}

  private static String setting(String env, String property, String fallback) {
    String fromProperty = System.getProperty(property);
    if (fromProperty != null && !fromProperty.isEmpty()) return fromProperty;
    String fromEnv = System.getenv(env);
    if (fromEnv != null && !fromEnv.isEmpty()) return fromEnv;
    return fallback;
  }

  public static void main(String[] args) throws Exception {
    String script = setting("DEALCHAT_STORAGE_RUNTIME_SCRIPT", "dealchat.storage.runtime.script", null);
    if (script == null) {
      System.err.println(
          "DealChat storage rules runtime: DEALCHAT_STORAGE_RUNTIME_SCRIPT is not set; start the emulators"
              + " through `npm run firebase -- emulators:start` so that scripts/firebase.ts sets it.");
      System.exit(2);
    }
    List<String> command = new ArrayList<>();
    command.add(setting("DEALCHAT_NODE", "dealchat.node", "node"));
    command.add(script);
    for (String arg : args) command.add(arg);

    Process runtime = new ProcessBuilder(command).inheritIO().start();
    // firebase-tools stops the runtime by signalling this JVM; the Node process must not outlive it.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (!runtime.isAlive()) return;
                  runtime.destroy();
                  try {
                    if (!runtime.waitFor(2, TimeUnit.SECONDS)) runtime.destroyForcibly();
                  } catch (InterruptedException e) {
                    runtime.destroyForcibly();
                  }
                }));
    System.exit(runtime.waitFor());
  }
}
