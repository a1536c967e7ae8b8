package dev.nabla.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web page in a real browser (headless Chromium driven by Selenium): a real test digit is
 * chosen through the file picker, the page shows the model's top class (checked against the
 * library's own prediction), the feedback button updates the quality panel, and traffic appears
 * in the traffic panel. Skipped, with a message, where Chromium or its driver is not installed
 * ({@code apt-get install chromium chromium-driver}; {@code .ci/run} installs them).
 */
class BrowserTest {
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File DRIVER = new File("/usr/bin/chromedriver");
    private static InferenceServer server;
    private static WebDriver browser;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(
                CHROMIUM.canExecute() && DRIVER.canExecute(),
                "skipped: the browser test needs Debian's chromium and chromium-driver (" + CHROMIUM + ", " + DRIVER
                        + ")");
        server = InferenceServer.start(
                InferenceServer.options().port(0).warmup(2),
                List.of(ModelSource.checkpoint("digits", TestModels.lenet())));
        Path profile = Files.createTempDirectory("nabla-chromium");
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM)
                .addArguments(
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--window-size=1280,1100",
                        "--user-data-dir=" + profile);
        ChromeDriverService service =
                new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void thePageShowsThePredictionAndTheQualityFromFeedback() throws Exception {
        var oracle = TestModels.classifier(TestModels.lenet());
        int digit = 0;
        while (oracle.predict(TestModels.DIGITS.test().pixels(digit), 1).get(0).top()
                != TestModels.DIGITS.test().label(digit)) {
            digit++; // a digit the model reads right, so "Yes" is the truth
        }
        String expected =
                oracle.predict(TestModels.DIGITS.test().pixels(digit), 1).get(0).label();
        Path png = Files.createTempFile("digit-", ".png");
        Files.write(png, TestModels.png(digit));

        browser.get(server.url());
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("ready"), "ready"));
        wait.until(d -> !d.findElements(By.cssSelector("#model option")).isEmpty());
        browser.findElement(By.id("file")).sendKeys(png.toAbsolutePath().toString());
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("result")));
        assertEquals(expected, browser.findElement(By.id("top-label")).getText());
        assertEquals(5, browser.findElements(By.cssSelector("#topk li")).size());
        assertTrue(browser.findElement(By.id("top-prob")).getText().endsWith("%"));

        browser.findElement(By.id("fb-yes")).click();
        wait.until(ExpectedConditions.textToBe(By.id("q-count"), "1"));
        wait.until(ExpectedConditions.textToBe(By.id("q-accuracy"), "100.00%"));
        assertEquals(
                "1",
                browser.findElement(By.cssSelector("#q-confusion tr:nth-child(" + (2 + Integer.parseInt(expected))
                                + ") td:nth-child(" + (2 + Integer.parseInt(expected)) + ")"))
                        .getText(),
                "the diagonal cell of the confusion matrix");

        // Traffic from elsewhere shows up in the traffic panel within a few of its polls.
        TestClient client = new TestClient(server.url());
        for (int i = 0; i < 30; i++) {
            client.post("v1/models/digits:predict", "{\"instances\": [" + TestModels.pixelsJson(i) + "]}");
        }
        wait.until(d -> d.findElement(By.id("t-p50")).getText().endsWith("ms"));
        Files.write(
                Path.of("target", "serve-page.png"),
                ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES)); // for people to look at
    }
}
