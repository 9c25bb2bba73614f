import Foundation
import VerdantCore
import VerdantStyle

/// What the dashboard asks of the program around it: everything that starts processes,
/// writes the store or reads rasters. Called off the screen's thread, so a slow answer never
/// holds a key press.
public protocol DashboardBackend: AnyObject, Sendable {
    /// Starts a detached run for these parameters, or names the one already running.
    func start() throws -> String
    /// Hands a command to the active run through the store, or carries it out here when no
    /// run is active (cancel, retry and requeue work on a stopped store too). Returns what was done.
    func control(_ command: ControlRequest.Command, targets: [String]) throws -> String
    /// What a repair would change, as wizard pages.
    func inspectRepair() throws -> RepairPreview
    /// Takes option `option` (0 is the default) for the finding shown on page `finding`, and
    /// gives the pages again with the changes that option makes.
    func chooseRepairOption(finding: Int, option: Int) throws -> RepairPreview
    /// Lets go of what the last inspection holds (the store's lock): the wizard was left.
    func closeRepair()
    /// Applies the repair last inspected (backup first, one transaction). Returns what was done.
    func applyRepair() throws -> String
    /// The NDVI series of one pixel across the dates of the task's tile, when NDVI outputs exist.
    func series(for key: TaskKey, row: Int, col: Int) throws -> PixelSeries?
    /// The theme after `current` (wrapping), with a warning when its file was malformed.
    func nextTheme(after current: String) -> (Theme, warning: String?)
}
