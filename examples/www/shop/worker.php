<?php
// The example queue worker: a long-running loop that stops cleanly on SIGTERM.
pcntl_async_signals(true);
$running = true;
pcntl_signal(SIGTERM, function () use (&$running) { $running = false; });
while ($running) {
    echo date('c') . " worker " . getmypid() . " waiting for jobs\n";
    sleep(5);
}
echo "worker " . getmypid() . " stopped\n";
