// The app behind the sidecar: no sign-in code at all. The sidecar in the same pod has already
// authenticated the user and passes who they are in request headers.
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

public class Hello {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        // Loopback only: the sidecar is the one way in.
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", exchange -> {
            String user = exchange.getRequestHeaders().getFirst("X-Auth-Request-User");
            if (user == null) user = exchange.getRequestHeaders().getFirst("X-Forwarded-User");
            byte[] body = ("Hello, " + (user == null ? "" : user) + "! (Java HttpServer)\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("listening on http://127.0.0.1:" + port);
    }
}
