<?php
// The example shop: proves PHP runs through nginx and the shop pool.
header('Content-Type: text/plain');
echo "Hello from the tend example shop\n";
echo 'PHP ' . PHP_VERSION . ' via ' . php_sapi_name() . "\n";
echo 'APP_ENV=' . getenv('APP_ENV') . "\n";
