"""UART models. `base.Uart` holds what every UART shares (RX FIFO fed by the host, TX capture,
the empty-poll detector); each model maps it onto its chip's registers."""
