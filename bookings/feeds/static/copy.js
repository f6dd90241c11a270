// "Copy address" buttons on the calendar pages. Without JavaScript the buttons stay hidden and
// the address is in a read-only field to select and copy by hand.
for (const button of document.querySelectorAll("[data-copy-target]")) {
  const field = document.getElementById(button.dataset.copyTarget);
  if (!field || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    await navigator.clipboard.writeText(field.value);
    const status = document.getElementById(button.dataset.copyStatus);
    if (status) status.textContent = "Address copied";
  });
}
